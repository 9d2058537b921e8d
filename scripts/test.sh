#!/usr/bin/env bash
# Runs every test: the workspace on the cookie session store, then the integration suite again
# on Redis (actix-session's Redis store, against a redis-server of its own on a free loopback
# port, stopped on exit), then the Redis fault tests, which start and stop servers of their own,
# then two demo instances sharing one Redis (bench/two_instances.sh --ci: its own redis-server
# and demos on free loopback ports, curl and a short wrk load), then the demo end to end in
# headless Chromium (e2e/run.sh; screenshot in target/e2e/).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing redis-server for the Redis suite"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "the Redis suite needs redis-server and redis-cli: sudo apt-get install redis-server" >&2
    exit 1
  fi
fi

echo "== the workspace, cookie sessions"
cargo test --workspace

echo "== the runtime in each other combination of its optional features"
for features in "" login csrf; do
    cargo test -p checkpoint-runtime --no-default-features --features "$features" --lib --tests
done

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
stop_redis() {
  if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap stop_redis EXIT
for _ in $(seq 50); do
  [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break
  sleep 0.1
done

# Every integration test that builds its app with `common::sessions()`; not the compile tests,
# the allocation count (cookie-specific) or the Redis fault tests (run below).
suites=()
for file in tests/*.rs; do
  name=$(basename "$file" .rs)
  case "$name" in allocations | redis_store) ;; *) suites+=(--test "$name") ;; esac
done
echo "== the integration suite again, Redis sessions on port $port"
# `--workspace`, as the first run: the same features, so nothing is built again.
CHECKPOINT_SESSION_STORE=redis REDIS_URL="redis://127.0.0.1:$port" cargo test --workspace "${suites[@]}"
keys=$(redis-cli -p "$port" dbsize)
if [ "$keys" -eq 0 ]; then
  echo "the Redis suite stored no session in Redis: it did not run on Redis" >&2
  exit 1
fi
echo "the Redis suite left $keys sessions in Redis"

echo "== Redis faults: down, restarted, corrupted values"
cargo test --workspace --test redis_store -- --include-ignored

echo "== two demo instances sharing one Redis: logins, flashes, CSRF, logouts, remember me, load with Redis restarted and an instance killed (installs wrk when missing)"
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing wrk for the two-instance test"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "the two-instance test needs wrk: sudo apt-get install wrk" >&2
    exit 1
  fi
fi
timeout 600 bash bench/two_instances.sh --ci

echo "== the demo end to end, in headless Chromium (installs chromium when missing)"
bash e2e/run.sh
