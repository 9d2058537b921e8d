#!/usr/bin/env bash
# What checkpoint-runtime adds to a user's build: three throwaway apps in a temp dir, each built
# from an empty target directory (debug, the registry already downloaded), and the crates each
# compiles:
#
#   plain     actix-web + actix-session (cookie sessions): the app before adding this crate
#   core      + checkpoint-runtime with default-features = false (#[checkpoint] alone)
#   default   + checkpoint-runtime with its default features (login, csrf)
#
#   bench/build_cost.sh [RUNS]   # the median of RUNS clean builds each (default 1)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-1}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

generate() { # name runtime-dependency-line
    mkdir -p "$work/$1/src"
    cat >"$work/$1/Cargo.toml" <<TOML
[package]
name = "$1"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
actix-web = "4.18"
actix-session = { version = "0.11", features = ["cookie-session"] }
$2

[workspace]
TOML
    echo 'fn main() {}' >"$work/$1/src/main.rs"
    cp "$repo/Cargo.lock" "$work/$1/Cargo.lock"
}

generate plain ""
generate core "checkpoint-runtime = { path = \"$repo/checkpoint-runtime\", default-features = false }"
generate default "checkpoint-runtime = { path = \"$repo/checkpoint-runtime\" }"

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "clean debug builds; $(nproc) cores; cargo $(cargo --version | cut -d' ' -f2); median of $runs, rounds interleaved"
declare -A walls users crates
for _ in $(seq 1 "$runs"); do
    for app in plain core default; do
        rm -rf "$work/target"
        /usr/bin/time -f "%e %U" -o "$work/time" \
            env CARGO_INCREMENTAL=0 CARGO_TARGET_DIR="$work/target" \
            cargo build --manifest-path "$work/$app/Cargo.toml" >"$work/log" 2>&1
        crates[$app]=$(grep -c '^ *Compiling' "$work/log")
        read -r wall user <"$work/time"
        walls[$app]="${walls[$app]:-} $wall"
        users[$app]="${users[$app]:-} $user"
    done
done
printf '%-10s %8s %10s %12s\n' app crates "wall (s)" "user CPU (s)"
for app in plain core default; do
    printf '%-10s %8s %10s %12s\n' "$app" "${crates[$app]}" "$(echo "${walls[$app]}" | median)" \
        "$(echo "${users[$app]}" | median)"
done
