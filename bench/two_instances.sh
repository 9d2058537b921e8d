#!/usr/bin/env bash
# Two instances of the demo sharing one Redis and the same keys, on loopback only, bounded in
# time (every step has a timeout), stopping by itself:
#
#   bench/two_instances.sh [SECONDS]   # full: release build, SECONDS (15 unless given) of load
#                                      # on one instance, then on two, then a fault run of about
#                                      # 2.7 x SECONDS (about 75 s of load in all)
#   bench/two_instances.sh --ci        # short, for scripts/test.sh: debug build, the same checks,
#                                      # 3 s on one, 3 s on two, a fault run of about 11 s
#
# 1. builds the demo with its `redis` feature, starts its own redis-server (persisting to its
#    work directory only on shutdown, so that a restart keeps the sessions) on a free 127.0.0.1
#    port, and two demos, A and B, on two more, with the same REDIS_URL, DEMO_SESSION_KEY and
#    DEMO_REMEMBER_KEY (generated for the run); checks that a malformed key stops the demo;
# 2. with curl, across the instances:
#    - a login made on A is honoured on B; its welcome flash is shown on B, once;
#    - a CSRF token issued by A is accepted by B (a login form of A posted to B) and a wrong
#      token is refused (401, the session stays logged in);
#    - a logout on A: the old session cookie is refused on B at once;
#    - a remember cookie made on A, sent alone to B, restores the login there ("remembered");
#      "log out everywhere" on A makes it useless on B, and ends another session of the user
#      made on B;
# 3. wrk (bench/two_instances.lua; bench/load.lua's request types, passing, failing with 401 JSON
#    and redirected with 302), the same 30 connections:
#    - on A alone, then round-robin over A and B (one type and instance per thread): every
#      response must have its type's status and marker, and no socket error;
#    - a fault run over A and B: Redis shut down (saving) and restarted a few seconds in, B
#      killed later. Each response is classed per second: a 5xx, or a fail-closed refusal (302
#      or 401) of a request that should pass, is allowed only from the Redis shutdown to 2 s
#      after it answers again; a 2xx on a request that must fail is never allowed; after the
#      restart both instances (the same processes) answer every type correctly again, and after
#      the kill A does; requests to the dead B are connection errors, counted apart.
#
# It prints requests/second, p50/p99 latency and the unexpected-status count for one instance
# and for two, measured in the same run, the fault run's counts, and exits non-zero when any
# rule fails. No ERROR or WARN line may appear in the demos' logs before the fault run. Logs are
# kept (and their directory printed) only when a rule fails.
#
# Environment: CONNECTIONS, wrk's connections in all (30 unless set, as bench/load.sh).
#
# Needs: cargo, redis-server, redis-cli, wrk, curl, python3 (free ports, keys).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

ci=false
if [[ "${1:-}" == --ci ]]; then
    ci=true
    shift
fi
# The fault run's timeline: Redis shut down after $redis_down_at s, started again
# $redis_outage s later; B killed $kill_after_up s after Redis answers; wrk stopped
# $stop_after_kill s after that.
if $ci; then
    seconds=3
    warmup=1
    redis_down_at=1.5
    redis_outage=1.5
    kill_after_up=4.5
    stop_after_kill=2.5
    profile=debug
else
    seconds="${1:-15}"
    warmup=3
    redis_down_at=$((seconds / 3))
    redis_outage=3
    kill_after_up=$((seconds * 2 / 3))
    stop_after_kill=$((seconds * 2 / 3))
    profile=release
fi
connections="${CONNECTIONS:-30}" # wrk connections in all, spread evenly over its threads
grace=2 # seconds after Redis answers again during which 5xx and refusals are still allowed

for tool in cargo redis-server redis-cli wrk curl python3; do
    command -v "$tool" >/dev/null || {
        echo "two_instances.sh: $tool is not installed" >&2
        exit 2
    }
done

work=$(mktemp -d)
a_pid=""
b_pid=""
wrk_pid=""
status=1
redis_pidfile="$work/redis.pid"
cleanup() {
    local pid
    for pid in "$wrk_pid" "$a_pid" "$b_pid"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    if [[ -f "$redis_pidfile" ]]; then
        pid=$(cat "$redis_pidfile")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    if [[ "$status" == 0 ]]; then
        rm -rf "$work"
    else
        echo "two_instances.sh: failed; logs kept in $work" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port, wait_for
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

echo "== build ($profile)"
if [[ "$profile" == release ]]; then
    timeout 1200 cargo build --release -p demo --features redis --quiet
else
    timeout 1200 cargo build -p demo --features redis --quiet
fi
demo_bin="${CARGO_TARGET_DIR:-$root/target}/$profile/demo"

echo "== redis-server"
redis_port=$(free_port)
redis_ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" == PONG ]]; }
# No save points: it writes its data (dump.rdb in $work) only when shut down with SAVE, and
# reads it back when started again.
start_redis() {
    redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
        --dir "$work" --daemonize yes --pidfile "$redis_pidfile" --logfile "$work/redis.log"
    wait_for redis_ping
}
start_redis || {
    echo "two_instances.sh: redis-server did not start" >&2
    exit 1
}

keygen() { python3 -c 'import secrets; print(secrets.token_hex(64))'; }
export DEMO_SESSION_KEY DEMO_REMEMBER_KEY
DEMO_SESSION_KEY=$(keygen)
DEMO_REMEMBER_KEY=$(keygen)
export REDIS_URL="redis://127.0.0.1:$redis_port"

echo "== a malformed key stops the demo"
bad_port=$(free_port)
if DEMO_SESSION_KEY=not-hex DEMO_ADDR="127.0.0.1:$bad_port" RUST_LOG="warn,demo=info" \
    timeout 20 "$demo_bin" >"$work/bad_key.log" 2>&1; then
    echo "two_instances.sh: the demo started with a malformed DEMO_SESSION_KEY" >&2
    exit 1
fi
if ! grep -q 'DEMO_SESSION_KEY is malformed' "$work/bad_key.log"; then
    echo "two_instances.sh: no clear error for a malformed DEMO_SESSION_KEY:" >&2
    cat "$work/bad_key.log" >&2
    exit 1
fi
sed 's/^/  demo log: /' "$work/bad_key.log"

echo "== demos A and B"
a_port=$(free_port)
b_port=$(free_port)
A="http://127.0.0.1:$a_port"
B="http://127.0.0.1:$b_port"
DEMO_ADDR="127.0.0.1:$a_port" RUST_LOG="warn,demo=info" "$demo_bin" >"$work/a.log" 2>&1 &
a_pid=$!
DEMO_ADDR="127.0.0.1:$b_port" RUST_LOG="warn,demo=info" "$demo_bin" >"$work/b.log" 2>&1 &
b_pid=$!
for base in "$A" "$B"; do
    wait_for curl -sf --max-time 1 "$base/" || {
        echo "two_instances.sh: the demo at $base did not start" >&2
        cat "$work/a.log" "$work/b.log" >&2
        exit 1
    }
done
sed 's/^/  A log: /' "$work/a.log"

failures=()
check() { # check DESCRIPTION COMMAND...: runs COMMAND, records a failure when it fails.
    local what=$1
    shift
    if "$@"; then
        echo "  ok: $what"
    else
        echo "  FAIL: $what"
        failures+=("$what")
    fi
}

# req JAR URL [CURL ARGS...]: the status of a request with the cookies of JAR (a file; "-" for
# none), which it updates; the body in $work/body, the headers in $work/headers.
req() {
    local jar=$1 url=$2
    shift 2
    local cookies=()
    [[ "$jar" == - ]] || cookies=(-c "$jar" -b "$jar")
    curl -s --max-time 5 -o "$work/body" -D "$work/headers" -w '%{http_code}' \
        "${cookies[@]}" "$@" "$url" || echo 000
}
# The CSRF token of the form in the page at URL, fetched with JAR.
csrf_of() {
    req "$1" "$2" >/dev/null
    sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$work/body" | head -1
}
# The value of the cookie NAME in JAR.
cookie_of() { awk -v name="$2" '$6 == name { print $7 }' "$1"; }
location() { tr -d '\r' <"$work/headers" | awk 'tolower($1) == "location:" { print $2 }'; }
body_has() { grep -qF -- "$1" "$work/body"; }
body_lacks() { ! grep -qF -- "$1" "$work/body"; }
is() { [[ "$1" == "$2" ]] || { echo "    got $1, expected $2" >&2; return 1; }; }
# login BASE JAR USER PASSWORD [CSRF_FROM] [EXTRA CURL ARGS]: posts the login form to BASE with
# the token of CSRF_FROM's login page (BASE's unless given); prints the status.
login() {
    local base=$1 jar=$2 user=$3 password=$4 from=${5:-$1}
    shift 5 2>/dev/null || shift $#
    local csrf
    csrf=$(csrf_of "$jar" "$from/login")
    req "$jar" "$base/login" --data-urlencode "username=$user" \
        --data-urlencode "password=$password" --data-urlencode "csrf=$csrf" "$@"
}
is_login_redirect() { is "$1" 302 && is "$(location)" "/login?next=%2Fprofile"; }

echo "== one Redis, two instances: logins, flashes, CSRF, logouts"
s1="$work/s1.jar"
check "login posted to A: 303 to /profile" is "$(login "$A" "$s1" bob builder)" 303
st=$(req "$s1" "$B/profile")
check "the login made on A is honoured on B (/profile 200, bob)" \
    eval 'is "$st" 200 && body_has "<dd id=\"username\">bob</dd>"'
check "A's welcome flash is shown on B" body_has 'role="status">Welcome, bob.</p>'
st=$(req "$s1" "$B/profile")
check "... and not again (on B)" eval 'is "$st" 200 && body_lacks "Welcome, bob."'
st=$(req "$s1" "$A/profile")
check "... nor on A" eval 'is "$st" 200 && body_lacks "Welcome, bob."'

st=$(req "$s1" "$B/logout" --data-urlencode "csrf=0123456789abcdef0123456789abcdef")
check "a wrong CSRF token posted to B is refused (401)" is "$st" 401
st=$(req "$s1" "$B/profile")
check "... and the session stays logged in" is "$st" 200

s2="$work/s2.jar"
st=$(login "$B" "$s2" alice wonderland "$A")
check "a CSRF token issued by A (A's login form) is accepted by B: 303" \
    eval 'is "$st" 303 && is "$(location)" /profile'
st=$(req "$s2" "$A/admin")
check "... and that login made on B is honoured on A (/admin 200)" \
    eval 'is "$st" 200 && body_has "<title>Admin</title>"'

old_s1="id=$(cookie_of "$s1" id)"
csrf=$(csrf_of "$s1" "$A/profile")
check "logout posted to A: 303" is "$(req "$s1" "$A/logout" --data-urlencode "csrf=$csrf")" 303
st=$(req - "$B/profile" -H "Cookie: $old_s1")
check "the logged-out session cookie is refused on B at once (302 to the login)" \
    is_login_redirect "$st"
check "... and on B's API (401)" is "$(req - "$B/api/status" -H "Cookie: $old_s1")" 401

echo "== remember me, log out everywhere"
s3="$work/s3.jar"
check "login with remember me posted to A: 303" \
    is "$(login "$A" "$s3" bob builder "$A" --data-urlencode remember=on)" 303
remember="remember_token=$(cookie_of "$s3" remember_token)"
check "A set a remember cookie" test "$remember" != "remember_token="
st=$(req - "$B/profile" -H "Cookie: $remember")
check "the remember cookie alone restores the login on B, remembered" \
    eval 'is "$st" 200 && body_has "<dd id=\"username\">bob</dd>" &&
          body_has "<dd id=\"login\">remembered"'
s4="$work/s4.jar"
check "another login of bob, on B: 303" is "$(login "$B" "$s4" bob builder)" 303
s4_cookie="id=$(cookie_of "$s4" id)"
check "... honoured on A" is "$(req - "$A/profile" -H "Cookie: $s4_cookie")" 200
csrf=$(csrf_of "$s3" "$A/profile")
st=$(req "$s3" "$A/logout-everywhere" --data-urlencode "csrf=$csrf")
check "log out everywhere posted to A: 303" is "$st" 303
st=$(req - "$B/profile" -H "Cookie: $remember")
check "the old remember cookie no longer restores anything on B (302 to the login)" \
    is_login_redirect "$st"
st=$(req - "$A/profile" -H "Cookie: $s4_cookie")
check "the session bob made on B is refused on A" is_login_redirect "$st"
check "... and on B's API (401)" is "$(req - "$B/api/status" -H "Cookie: $s4_cookie")" 401
epoch=$(redis-cli -h 127.0.0.1 -p "$redis_port" get demo:sessions_epoch:bob)
echo "  bob's sessions epoch in Redis: $epoch"

# The member's and admin's session cookies for the load: logged in on A and on B, following to
# /profile so that the welcome flash is consumed.
load_login() {
    local jar="$work/load_$2.jar"
    login "$1" "$jar" "$2" "$3" "$1" -L >/dev/null
    echo "id=$(cookie_of "$jar" id)"
}
MEMBER_COOKIE=$(load_login "$A" bob builder)
ADMIN_COOKIE=$(load_login "$B" alice wonderland)
export MEMBER_COOKIE ADMIN_COOKIE
[[ "$MEMBER_COOKIE" != id= && "$ADMIN_COOKIE" != id= ]] || {
    echo "two_instances.sh: login did not give a session cookie" >&2
    exit 1
}

# run_wrk SECONDS OUTPUT TARGET...: wrk over the TARGETs, one thread per type and target; at a
# lower priority than the demos and Redis, so that on a small machine the load generator does
# not starve them.
run_wrk() {
    local duration=$1 output=$2
    shift 2
    TARGETS="$*" timeout $((${duration%.*} + 30)) nice -n 5 wrk -t $((5 * $#)) -c "$connections" \
        -d "${duration}s" --timeout 2s --latency -s bench/two_instances.lua "http://$1" >"$output"
}
value() { awk -v key="$1" '$1 == key { print $2 }' "$2"; }

echo "== warm-up: ${warmup} s on A and B"
run_wrk "$warmup" "$work/warmup.txt" "127.0.0.1:$a_port" "127.0.0.1:$b_port"

echo "== load: ${seconds} s on A alone, then ${seconds} s round-robin on A and B ($connections connections)"
run_wrk "$seconds" "$work/one.txt" "127.0.0.1:$a_port"
run_wrk "$seconds" "$work/two.txt" "127.0.0.1:$a_port" "127.0.0.1:$b_port"
for run in one two; do
    echo "$run instance(s), status counts per thread (target 1 = A, 2 = B):"
    grep '^thread ' "$work/$run.txt" | sed 's/^thread /  /'
    unexpected=$(value unexpected_total "$work/$run.txt")
    socket_errors=$(value socket_errors "$work/$run.txt")
    [[ "$unexpected" == 0 ]] || failures+=("$run: $unexpected responses with an unexpected status")
    [[ "$socket_errors" == 0 ]] || failures+=("$run: $socket_errors socket errors or timeouts")
done

log_lines_before_faults=$(cat "$work/a.log" "$work/b.log" | grep -cE '\b(ERROR|WARN)\b' || true)

echo "== fault run on A and B: Redis shut down at ${redis_down_at} s for ${redis_outage} s, B killed ${kill_after_up} s after Redis answers, the run stopped ${stop_after_kill} s later"
# wrk in the background, bounded by its -d, stopped by SIGINT (it then reports as usual) once
# the timeline below has run.
# A longer timeout than the load runs': a request during the outage is held up to the demo's
# Redis timeout (2 s) before its 5xx, which must be counted as that, not as a hang.
TARGETS="127.0.0.1:$a_port 127.0.0.1:$b_port" nice -n 5 wrk -t 10 -c "$connections" -d 120s --timeout 5s \
    --latency -s bench/two_instances.lua "http://127.0.0.1:$a_port" >"$work/faults.txt" &
wrk_pid=$!
{
    sleep "$redis_down_at"
    date +%s >"$work/redis_down_at"
    redis-cli -h 127.0.0.1 -p "$redis_port" shutdown save >/dev/null 2>&1 || true
    for _ in $(seq 50); do redis_ping || break; sleep 0.1; done
    sleep "$redis_outage"
    start_redis && date +%s >"$work/redis_up_at"
    sleep "$kill_after_up"
    date +%s >"$work/b_killed_at"
    kill "$b_pid"
    wait "$b_pid" 2>/dev/null || true
    b_pid=""
    sleep "$stop_after_kill"
} >"$work/faults.log" 2>&1
kill -INT "$wrk_pid"
wait "$wrk_pid" || failures+=("fault run: wrk failed")
wrk_pid=""

echo "fault run, status counts per thread (target 1 = A, 2 = B):"
grep '^thread ' "$work/faults.txt" | sed 's/^thread /  /'
grep '^socket_errors ' "$work/faults.txt" | sed 's/^/  /'
if [[ ! -s "$work/redis_down_at" || ! -s "$work/redis_up_at" || ! -s "$work/b_killed_at" ]]; then
    failures+=("the fault run did not go as planned (Redis restart or kill); see faults.log")
    cat "$work/faults.log"
else
    down=$(cat "$work/redis_down_at")
    up=$(cat "$work/redis_up_at")
    killed=$(cat "$work/b_killed_at")
    echo "  Redis down at +$((down - down)) s, answering again at +$((up - down)) s, B killed at +$((killed - down)) s"
    # Every class per second against the timeline; prints the verdicts, `violation ...` lines
    # for what breaks a rule.
    awk -v down="$down" -v up="$up" -v killed="$killed" -v grace="$grace" '
        $1 != "bucket" { next }
        {
            target = $2; kind = $3; second = $4; class = $5; n = $6
            kinds[kind] = 1
            in_outage = second >= down && second <= up + grace
            total[class] += n
            if (in_outage) outage[class] += n
            if (class == "passed") { violation["a request that must fail passed (2xx)"] += n }
            else if (class == "other") { violation["a wrong status, body or Location"] += n }
            else if (class != "ok" && !in_outage) { violation[class " outside the Redis outage"] += n }
            if (class == "ok" && second > up + grace) {
                if (target == 1) recovered_a[kind] += n
                if (target == 2 && second < killed) recovered_b[kind] += n
                if (target == 1 && second > killed) after_kill[kind] += n
            }
            if (target == 2 && second > killed + 1) violation["B answered after it was killed"] += n
        }
        END {
            printf "  responses: ok %d, 5xx %d (%d in the outage), refused %d (%d in the outage), passed %d, other %d\n",
                total["ok"], total["error5xx"], outage["error5xx"], total["refused"], outage["refused"], total["passed"], total["other"]
            for (kind in kinds) {
                if (!recovered_a[kind]) violation["A did not answer " kind " correctly after Redis came back"]++
                if (!recovered_b[kind]) violation["B did not answer " kind " correctly after Redis came back"]++
                if (!after_kill[kind]) violation["A did not answer " kind " correctly after B was killed"]++
            }
            for (v in violation) printf "violation %s: %d\n", v, violation[v]
        }' "$work/faults.txt" >"$work/verdict.txt"
    grep -v '^violation' "$work/verdict.txt"
    while read -r line; do
        failures+=("fault run: ${line#violation }")
    done < <(grep '^violation' "$work/verdict.txt" || true)
    timeouts=$(value socket_errors_timeout "$work/faults.txt")
    [[ "$timeouts" == 0 ]] || failures+=("fault run: $timeouts timeouts")
    echo "  connection errors (B dead, and its connections cut when killed): connect $(value socket_errors_connect "$work/faults.txt"), read/write $(value socket_errors_read_write "$work/faults.txt")"
fi
kill -0 "$a_pid" 2>/dev/null || failures+=("A stopped during the fault run")
echo "  A answers after the fault run: $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Cookie: $MEMBER_COOKIE" "$A/api/status") (member, /api/status)"

echo
echo "== results (same run, $connections connections, ${seconds} s each)"
printf '  %-10s %12s %10s %10s %11s %14s\n' instances requests/s "p50 ms" "p99 ms" unexpected "socket errors"
for run in one two; do
    printf '  %-10s %12s %10s %10s %11s %14s\n' "$([[ $run == one ]] && echo 1 || echo 2)" \
        "$(value rps "$work/$run.txt")" "$(value latency_p50_ms "$work/$run.txt")" \
        "$(value latency_p99_ms "$work/$run.txt")" "$(value unexpected_total "$work/$run.txt")" \
        "$(value socket_errors "$work/$run.txt")"
done
echo "  (both instances, Redis and wrk share this machine's $(nproc) cores)"
echo "fault run: $(value requests_total "$work/faults.txt") responses, $(value unexpected_total "$work/faults.txt") not ok (5xx or refusals, allowed only during the outage; see above)"

if ((log_lines_before_faults > 0)); then
    echo "demo log ERROR/WARN lines before the fault run:"
    grep -hE '\b(ERROR|WARN)\b' "$work/a.log" "$work/b.log" | head -20 | sed 's/^/  /'
    failures+=("$log_lines_before_faults ERROR/WARN lines in the demo logs before the fault run")
fi
echo "demo logs: $(cat "$work/a.log" "$work/b.log" | grep -cE '\b(ERROR|WARN)\b' || true) ERROR/WARN lines in all (those after the first $log_lines_before_faults from the fault run)"

if ((${#failures[@]})); then
    printf 'FAIL: %s\n' "${failures[@]}"
    exit 1
fi
echo "PASS"
status=0
