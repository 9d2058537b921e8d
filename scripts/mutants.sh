#!/usr/bin/env bash
# Mutation testing of chosen files of the runtime (or the macros) against the tests that cover
# them, the workspace's integration tests included. Long (a build per mutant); not part of CI.
#
#   scripts/mutants.sh checkpoint-runtime/src/login/state.rs [more files...] [-- --test NAME ...]
#
# With no `--test`, every integration test of the workspace runs for every mutant (slow: each
# mutant relinks them all); name the suites that cover the files to go faster, e.g.
#
#   scripts/mutants.sh checkpoint-runtime/src/login/protection.rs -- --test session_protection
#
# cargo-mutants runs the tests of the package a mutated file belongs to, but this workspace's
# integration tests live in the root package: a small `cargo` wrapper (given to cargo-mutants as
# $CARGO) turns its `--package=<package>` into `--workspace` plus the chosen tests and the unit
# tests. Installs cargo-mutants when missing. Results: mutants.out/ under $MUTANTS_OUT (default
# target/mutants), with caught.txt, missed.txt, unviable.txt and timeout.txt. More options for
# cargo-mutants in $MUTANTS_ARGS (e.g. MUTANTS_ARGS="--re is_fresh" to test only those mutants).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

files=()
tests=()
while [[ $# -gt 0 ]]; do
    if [[ "$1" == "--" ]]; then
        shift
        tests=("$@")
        break
    fi
    files+=("$1")
    shift
done
if [[ ${#files[@]} -eq 0 ]]; then
    sed -n '2,16p' "$0" >&2
    exit 2
fi

command -v cargo-mutants >/dev/null || cargo install --locked cargo-mutants

package=checkpoint-runtime
case "${files[0]}" in checkpoint-macros/*) package=checkpoint-macros ;; esac
out="${MUTANTS_OUT:-$root/target/mutants}"
mkdir -p "$out"

wrapper="$out/cargo"
real_cargo=$(command -v cargo)
{
    echo '#!/usr/bin/env bash'
    echo "# Written by scripts/mutants.sh: cargo, with the tests of $package widened."
    echo 'args=()'
    echo 'for arg in "$@"; do'
    echo '    case "$arg" in'
    printf '        --package=%s@*) args+=(--workspace --lib %s) ;;\n' "$package" "${tests[*]:---tests}"
    echo '        *) args+=("$arg") ;;'
    echo '    esac'
    echo 'done'
    # The toolchain the rest of the build uses, not one named by a registry crate's own files.
    echo "export RUSTUP_TOOLCHAIN=\"\${RUSTUP_TOOLCHAIN:-$(rustup show active-toolchain 2>/dev/null | cut -d' ' -f1)}\""
    echo "exec \"$real_cargo\" \"\${args[@]}\""
} >"$wrapper"
chmod +x "$wrapper"

file_args=()
for file in "${files[@]}"; do file_args+=(-f "$file"); done
# Called directly, not as `cargo mutants`: cargo would set $CARGO to itself.
# shellcheck disable=SC2086 # MUTANTS_ARGS is a list of options
CARGO="$wrapper" cargo-mutants mutants --package "$package" --output "$out" --timeout 300 \
    "${file_args[@]}" ${MUTANTS_ARGS:-}
