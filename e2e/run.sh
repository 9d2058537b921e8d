#!/usr/bin/env bash
# End-to-end test of the demo in a real headless Chromium (e2e/demo.spec.mjs, playwright-core):
# builds the demo, starts it on a free loopback port on cookie sessions, runs the spec against
# it and stops it. The logged-in profile page is saved as target/e2e/profile.png. Bounded in
# time: every step has a timeout. Exits non-zero on failure, printing the demo's log.
#
# Needs node and npm; installs Debian's chromium and chromium-driver with apt-get when
# /usr/bin/chromium is missing (as root), and the spec's node packages with `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
chromium_bin="${CHROMIUM:-/usr/bin/chromium}"

if [[ ! -x "$chromium_bin" ]]; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        echo "installing chromium for the end-to-end test"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    else
        echo "the end-to-end test needs Chromium: sudo apt-get install chromium chromium-driver" >&2
        exit 1
    fi
fi
for tool in node npm curl python3; do
    command -v "$tool" >/dev/null || {
        echo "e2e/run.sh: $tool is not installed" >&2
        exit 2
    }
done

echo "== e2e: node packages"
(cd e2e && timeout 300 npm ci --no-audit --no-fund --prefer-offline --loglevel=error)

echo "== e2e: build the demo"
timeout 1200 cargo build -p demo --quiet
demo_bin="${CARGO_TARGET_DIR:-$root/target}/debug/demo"

work=$(mktemp -d)
demo_pid=""
stop_demo() {
    if [[ -n "$demo_pid" ]] && kill -0 "$demo_pid" 2>/dev/null; then
        kill "$demo_pid" 2>/dev/null || true
        wait "$demo_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap stop_demo EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
env -u REDIS_URL DEMO_ADDR="127.0.0.1:$port" RUST_LOG=info "$demo_bin" >"$work/demo.log" 2>&1 &
demo_pid=$!
for _ in $(seq 1 300); do
    curl -sf --max-time 1 -o /dev/null "$base/login" && break
    kill -0 "$demo_pid" 2>/dev/null || break
    sleep 0.1
done
curl -sf --max-time 1 -o /dev/null "$base/login" || {
    echo "e2e/run.sh: the demo did not start" >&2
    cat "$work/demo.log" >&2
    exit 1
}

screenshot="${CARGO_TARGET_DIR:-$root/target}/e2e/profile.png"
rm -f "$screenshot"
echo "== e2e: headless Chromium against $base"
if ! DEMO_URL="$base" SCREENSHOT="$screenshot" CHROMIUM="$chromium_bin" \
    timeout 180 node e2e/demo.spec.mjs; then
    echo "e2e/run.sh: failed; the demo's log:" >&2
    sed 's/^/  /' "$work/demo.log" >&2
    exit 1
fi
[[ -s "$screenshot" ]] || {
    echo "e2e/run.sh: no screenshot at $screenshot" >&2
    exit 1
}
echo "e2e: passed; screenshot of the logged-in profile: $screenshot"
