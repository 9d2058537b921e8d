#!/usr/bin/env bash
# Compile time of #[checkpoint]: generates two throwaway crates in a temp dir, one with 200
# checkpointed handlers and one with the same 200 handlers checking the session by hand, and
# times `cargo build` of each.
#
#   bench/compile_time.sh [HANDLERS] [RUNS]
#
# 1. clean build: each crate with all its dependencies, from an empty target dir (what the macro
#    and runtime crates add to a fresh build);
# 2. rebuild of the crate alone (dependencies built, the crate cleaned, no incremental cache),
#    the median of RUNS: the cost of expanding and compiling the handlers, which grows with an
#    app.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
handlers="${1:-200}"
runs="${2:-3}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

generate() { # name kind
    local dir="$work/$1"
    mkdir -p "$dir/src"
    local extra=""
    [ "$2" = checkpoint ] && extra="checkpoint-runtime = { path = \"$repo/checkpoint-runtime\" }"
    cat >"$dir/Cargo.toml" <<TOML
[package]
name = "$1"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
actix-web = "4.18"
actix-session = "0.11"
$extra

[workspace]
TOML
    {
        echo "use actix_web::{web, HttpResponse};"
        [ "$2" = checkpoint ] && echo "use checkpoint_runtime::checkpoint;"
        [ "$2" = hand_written ] && echo "use actix_session::Session;"
        for i in $(seq 1 "$handlers"); do
            if [ "$2" = checkpoint ]; then
                cat <<RS
#[checkpoint(session_key = "role_$i", values = ["admin", "editor"])]
pub async fn handler_$i() -> HttpResponse {
    HttpResponse::Ok().body("$i")
}
RS
            else
                cat <<RS
pub async fn handler_$i(session: Session) -> HttpResponse {
    if !matches!(session.get::<String>("role_$i"),
                 Ok(Some(role)) if ["admin", "editor"].contains(&role.as_str())) {
        return HttpResponse::Forbidden().finish();
    }
    HttpResponse::Ok().body("$i")
}
RS
            fi
        done
        echo "pub fn routes(cfg: &mut web::ServiceConfig) {"
        for i in $(seq 1 "$handlers"); do
            echo "    cfg.route(\"/$i\", web::get().to(handler_$i));"
        done
        echo "}"
    } >"$dir/src/lib.rs"
}

seconds() { # dir target-dir
    local start end
    start=$(date +%s.%N)
    (cd "$1" && CARGO_INCREMENTAL=0 CARGO_TARGET_DIR="$2" cargo build --quiet)
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}

median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

generate hand_written hand_written
generate checkpointed checkpoint
# Resolve both crates against the repository's lock file, so they build what the repo tests.
cp "$repo/Cargo.lock" "$work/hand_written/Cargo.lock"
cp "$repo/Cargo.lock" "$work/checkpointed/Cargo.lock"

echo "$handlers handlers; $(nproc) cores; cargo $(cargo --version | cut -d' ' -f2)"
declare -A clean rebuild
# An unmeasured first build, so that neither measured one pays for a cold file cache.
seconds "$work/hand_written" "$work/target-warm-up" >/dev/null
rm -rf "$work/target-warm-up"
for crate in hand_written checkpointed; do
    clean[$crate]=$(seconds "$work/$crate" "$work/target-$crate")
done
for crate in hand_written checkpointed; do
    times=""
    for _ in $(seq 1 "$runs"); do
        (cd "$work/$crate" && CARGO_TARGET_DIR="$work/target-$crate" cargo clean --quiet -p "$crate")
        times="$times $(seconds "$work/$crate" "$work/target-$crate")"
    done
    rebuild[$crate]=$(echo "$times" | median)
    echo "$crate rebuilds:$times"
done
printf '%-28s %12s %12s %8s\n' "" hand_written checkpointed ratio
for row in clean rebuild; do
    declare -n times_of="$row"
    printf '%-28s %11ss %11ss %8.3f\n' "$row build" "${times_of[hand_written]}" \
        "${times_of[checkpointed]}" \
        "$(awk -v a="${times_of[checkpointed]}" -v b="${times_of[hand_written]}" 'BEGIN { print a / b }')"
done
