#!/usr/bin/env bash
# Load test of the demo on Redis sessions, on loopback only, bounded in time (about 30 s of
# load; every step has a timeout), stopping by itself:
#
#   bench/load.sh [SECONDS]        # SECONDS of measured load, 25 unless given (after 5 s warm-up)
#
# 1. builds the demo in release, starts its own redis-server (no persistence) on a free
#    127.0.0.1 port and the demo with REDIS_URL and DEMO_ADDR on another, logging to a file;
# 2. logs in the demo's member (bob) and admin (alice) with curl (GET /login for the CSRF token,
#    POST the form, following to /profile so the welcome flash is consumed) to get their session
#    cookies;
# 3. runs wrk (bench/load.lua) with one request type per thread, 6 connections each:
#      pass_profile          GET /profile    member cookie  -> 200
#      pass_admin            GET /admin      admin cookie   -> 200
#      pass_api              GET /api/status member cookie  -> 200
#      fail_api_401          GET /api/status no cookie      -> 401 JSON
#      redirect_profile_302  GET /profile    no cookie      -> 302 to /login?next=%2Fprofile
#    first a 5 s warm-up (not reported), then the measured run, sampling the demo's RSS
#    (VmRSS in /proc/PID/status) every second.
#
# It prints requests/second, p50/p99 latency, the status counts per request type and the RSS
# figures, and exits non-zero when any of these rules fails:
# - every response has its type's status (and body marker, or Location for the redirect);
# - no socket errors or timeouts;
# - no ERROR or WARN line in the demo's log (it runs with RUST_LOG=warn,demo=info: the access
#   log, one info line per request, is off so it does not weigh on the figures);
# - memory flat: the median RSS of the last third of the samples is at most 10% above the
#   median of the first third.
# Logs are kept (and their directory printed) only when a rule fails.
#
# Needs: cargo, redis-server, redis-cli, wrk, curl, python3 (to find free ports).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds="${1:-25}"
warmup=5
threads=5 # one per request type in bench/load.lua
connections=30
rss_tolerance_percent=10

for tool in cargo redis-server redis-cli wrk curl python3; do
    command -v "$tool" >/dev/null || {
        echo "load.sh: $tool is not installed" >&2
        exit 2
    }
done

work=$(mktemp -d)
redis_pid=""
demo_pid=""
sampler_pid=""
status=1
cleanup() {
    for pid in "$sampler_pid" "$demo_pid" "$redis_pid"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    if [[ "$status" == 0 ]]; then
        rm -rf "$work"
    else
        echo "load.sh: failed; logs kept in $work" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port, wait_for
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

echo "== build"
timeout 1200 cargo build --release -p demo --features redis --quiet
demo_bin="${CARGO_TARGET_DIR:-$root/target}/release/demo"

echo "== redis-server"
redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
    --daemonize no --logfile "$work/redis.log" &
redis_pid=$!
wait_for redis-cli -h 127.0.0.1 -p "$redis_port" ping || {
    echo "load.sh: redis-server did not start" >&2
    exit 1
}

echo "== demo"
demo_port=$(free_port)
base="http://127.0.0.1:$demo_port"
REDIS_URL="redis://127.0.0.1:$redis_port" DEMO_ADDR="127.0.0.1:$demo_port" \
    RUST_LOG="warn,demo=info" "$demo_bin" >"$work/demo.log" 2>&1 &
demo_pid=$!
wait_for curl -sf --max-time 1 "$base/" || {
    echo "load.sh: the demo did not start" >&2
    cat "$work/demo.log" >&2
    exit 1
}
sed 's/^/  demo log: /' "$work/demo.log"

# The `id=...` session cookie of USER logged in with PASSWORD: GET /login for the session's CSRF
# token, POST the form, follow to /profile so the welcome flash is consumed.
login() {
    local jar="$work/$1.jar" csrf
    csrf=$(curl -sf --max-time 5 -c "$jar" -b "$jar" "$base/login" |
        sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p')
    [[ -n "$csrf" ]] || return 1
    curl -sf --max-time 5 -o /dev/null -c "$jar" -b "$jar" -L --data-urlencode "username=$1" \
        --data-urlencode "password=$2" --data-urlencode "csrf=$csrf" "$base/login"
    awk '$6 == "id" { print "id=" $7 }' "$jar"
}
member_cookie=$(login bob builder)
admin_cookie=$(login alice wonderland)
[[ -n "$member_cookie" && -n "$admin_cookie" ]] || {
    echo "load.sh: login did not give a session cookie" >&2
    exit 1
}
export MEMBER_COOKIE="$member_cookie" ADMIN_COOKIE="$admin_cookie"

run_wrk() {
    timeout $(($1 + 30)) wrk -t "$threads" -c "$connections" -d "${1}s" --timeout 2s --latency \
        -s bench/load.lua "$base"
}

echo "== warm-up: ${warmup} s"
run_wrk "$warmup" >"$work/warmup.txt"

echo "== load: ${seconds} s, $threads threads, $connections connections"
(
    while kill -0 "$demo_pid" 2>/dev/null; do
        awk '/^VmRSS:/ { print $2 }' "/proc/$demo_pid/status"
        sleep 1
    done
) >"$work/rss.txt" &
sampler_pid=$!
run_wrk "$seconds" >"$work/wrk.txt"
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""

failures=()
value() { awk -v key="$1" '$1 == key { print $2 }' "$work/wrk.txt"; }

echo
echo "== results"
echo "requests/second: $(value rps) ($(value requests_total) requests in ${seconds} s)"
echo "latency p50: $(value latency_p50_ms) ms, p99: $(value latency_p99_ms) ms"
echo "wrk's latency distribution:"
sed -n '/Latency Distribution/,/requests in/p' "$work/wrk.txt" | sed '1d;$d' | sed 's/^ */  /'
echo "status counts per request type:"
grep '^type ' "$work/wrk.txt" | sed 's/^type /  /'
grep '^socket_errors' "$work/wrk.txt" | sed 's/^/  /'
unexpected=$(value unexpected_total)
socket_errors=$(value socket_errors)
[[ "$unexpected" == 0 ]] || failures+=("$unexpected responses with an unexpected status")
[[ "$socket_errors" == 0 ]] || failures+=("$socket_errors socket errors or timeouts")

# RSS: medians of the first and last third of the samples.
if (($(wc -l <"$work/rss.txt") < 3)); then
    echo "FAIL: fewer than 3 RSS samples (did the demo stop?)"
    exit 1
fi
read -r samples first last < <(awk '
    function median(from, to,   n, i, j, v, tmp) {
        n = 0
        for (i = from; i < to; i++) v[n++] = rss[i]
        for (i = 1; i < n; i++) for (j = i; j > 0 && v[j - 1] > v[j]; j--) { tmp = v[j]; v[j] = v[j - 1]; v[j - 1] = tmp }
        return n % 2 ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
    }
    { rss[NR - 1] = $1 }
    END { third = int(NR / 3); print NR, median(0, third), median(NR - third, NR) }' "$work/rss.txt")
growth=$(awk -v a="$first" -v b="$last" 'BEGIN { printf "%.1f", (b / a - 1) * 100 }')
echo "demo RSS ($samples samples, 1 s apart): first third median ${first} kB, last third median ${last} kB (${growth}%; limit +${rss_tolerance_percent}%)"
echo "  samples (kB): $(tr '\n' ' ' <"$work/rss.txt")"
if awk -v a="$first" -v b="$last" -v tol="$rss_tolerance_percent" 'BEGIN { exit !(b > a * (1 + tol / 100)) }'; then
    failures+=("RSS grew by ${growth}% (last third against first third)")
fi

echo "redis: $(redis-cli -h 127.0.0.1 -p "$redis_port" dbsize) keys, $(redis-cli -h 127.0.0.1 -p "$redis_port" info memory | awk -F: '/^used_memory_human:/ { print $2 }' | tr -d '\r') used"

log_problems=$(grep -E '\b(ERROR|WARN)\b' "$work/demo.log" || true)
if [[ -n "$log_problems" ]]; then
    echo "demo log ERROR/WARN lines:"
    echo "$log_problems" | head -20 | sed 's/^/  /'
    failures+=("$(echo "$log_problems" | wc -l) ERROR/WARN lines in the demo log")
else
    echo "demo log: no ERROR or WARN line ($(wc -l <"$work/demo.log") lines)"
fi

if ((${#failures[@]})); then
    printf 'FAIL: %s\n' "${failures[@]}"
    exit 1
fi
echo "PASS"
status=0
