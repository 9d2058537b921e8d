#!/usr/bin/env bash
# Instruction counts under callgrind: deterministic where wall-clock medians on a shared, noisy
# machine are not. Only the function that sends the requests (or runs the evaluations) is
# counted, so setup, warm-up and request building are left out.
#
#   bench/callgrind.sh full_stack   # Ir per request; the variants of a group share one process
#   GROUP=csrf_form bench/callgrind.sh full_stack   # one group only
#   bench/callgrind.sh evaluation   # Ir per evaluation, one process per case
#   BINARY=path/to/full_stack-<hash> bench/callgrind.sh full_stack   # a bench binary built
#       elsewhere (an earlier commit's, for a before/after comparison)
#
#   PROCESSES=5 GROUP=login_default bench/callgrind.sh full_stack   # 5 processes, medians
#   TWIN=e_hand_written_user GROUP=login_default bench/callgrind.sh full_stack   # the last
#       column divided by that variant instead of the group's second
#   EVENT=I1mr GROUP=login_default bench/callgrind.sh full_stack   # instruction-cache misses
#       per request instead of instructions (callgrind's simulation of this machine's caches;
#       any event of --cache-sim=yes --branch-sim=yes: I1mr, D1mr, Bcm, Bim, ...)
#
# full_stack: each group's variants are driven in turn, ROUNDS times, in one process, so they
# share the cookie, the allocator's state and the hash seeds (which otherwise move a process's
# count by about 2%); the table gives the median over the rounds and its ratios. The ratios
# still move from one process to the next (by up to a point for the login variants: one
# variant may meet `malloc`'s slow path more often than its twin in one process and not in the
# next), so to compare two builds by less than that, run several processes of each
# (PROCESSES=n): the table then gives the median of the processes' medians and ratios, and the
# range of the processes' ratios to the hand-written variant.
set -euo pipefail
cd "$(dirname "$0")/.."

bench="${1:-full_stack}"
requests="${REQUESTS:-1000}"
rounds="${ROUNDS:-5}"
processes="${PROCESSES:-1}"
evaluations="${EVALUATIONS:-20000}"
event="${EVENT:-Ir}"
simulate=()
case "$event" in
Ir) ;;
Dr | Dw | I1mr | D1mr | D1mw | ILmr | DLmr | DLmw | Bc | Bcm | Bi | Bim)
    simulate=(--cache-sim=yes --branch-sim=yes) ;;
*)
    echo "EVENT=$event: not an event of callgrind's cache and branch simulation" \
        "(Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim)" >&2
    exit 2 ;;
esac
if [ -n "${TWIN:-}" ] && [ -z "${GROUP:-}" ]; then
    echo "TWIN names a variant of one group: give GROUP too" >&2
    exit 2
fi

binary=${BINARY:-$(cargo bench --bench "$bench" --no-run --message-format=json 2>/dev/null |
    jq -r 'select(.reason == "compiler-artifact" and .target.name == "'"$bench"'"
                  and (.target.kind | index("bench"))) | .executable')}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
fmedian() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

case "$bench" in
full_stack)
    if [ "$processes" -eq 1 ]; then
        echo "$event per request, median of $rounds rounds of $requests requests (min..max in brackets)"
    else
        echo "$event per request: each process's median of $rounds rounds of $requests requests;" \
            "the median of $processes processes, and of their ratios (the processes' range of /${TWIN:-hand}" \
            "in brackets)"
    fi
    printf '%-32s %10s %17s %10s %10s\n' scenario "$event/request" "" /no_check "/${TWIN:-hand}"
    CHECKPOINT_CALLGRIND=list "$binary" | while read -r group variants; do
        [ -n "${GROUP:-}" ] && [ "$group" != "$GROUP" ] && continue
        set -- $variants
        names=("$@")
        twin=1
        for index in "${!names[@]}"; do
            [ "${TWIN:-}" = "${names[$index]}" ] && twin=$index
        done
        if [ -n "${TWIN:-}" ] && [ "${names[$twin]}" != "$TWIN" ]; then
            echo "TWIN=$TWIN: no such variant in $group (${names[*]})" >&2
            exit 2
        fi
        rm -f "$out"/p*
        for process in $(seq 1 "$processes"); do
            rm -f "$out"/cg* "$out"/v*
            CHECKPOINT_CALLGRIND="$group" CHECKPOINT_CALLGRIND_REQUESTS="$requests" \
                CHECKPOINT_CALLGRIND_ROUNDS="$rounds" \
                valgrind --tool=callgrind "${simulate[@]}" --callgrind-out-file="$out/cg" \
                --collect-atstart=no --toggle-collect=full_stack::measured_requests \
                --dump-before=full_stack::measured_requests "$binary" >/dev/null 2>&1
            # Dump n (n >= 2) holds call n - 1; the final file holds the last call.
            count=$(ls "$out"/cg.* | wc -l)
            for call in $(seq 1 "$count"); do
                file="$out/cg.$((call + 1))"
                [ "$call" -eq "$count" ] && file="$out/cg"
                variant=$(( (call - 1) % $# ))
                echo "$variant $(awk -v n="$requests" -v e="$event" '
                    /^events:/ { for (i = 2; i <= NF; i++) if ($i == e) column = i }
                    /^summary:/ { print int($column / n) }' "$file")"
            done >"$out/calls"
            for index in $(seq 0 $(($# - 1))); do
                awk -v v="$index" '$1 == v { print $2 }' "$out/calls" >"$out/v$index"
                # This process's median, and its rounds' range.
                echo "$(median <"$out/v$index") $(sort -n "$out/v$index" | head -1)" \
                    "$(sort -n "$out/v$index" | tail -1)" >>"$out/p$index"
            done
            # Each variant's ratios within this process.
            no_check=$(awk -v p="$process" 'NR == p { print $1 }' "$out/p0")
            hand=$(awk -v p="$process" 'NR == p { print $1 }' "$out/p$twin")
            for index in $(seq 0 $(($# - 1))); do
                awk -v p="$process" -v n="$no_check" -v h="$hand" \
                    'NR == p { print $1 / n, $1 / h }' "$out/p$index" >>"$out/r$index"
            done
        done
        index=0
        for variant in "$@"; do
            value=$(cut -d' ' -f1 "$out/p$index" | median)
            if [ "$processes" -eq 1 ]; then
                range="[$(cut -d' ' -f2 "$out/p$index")..$(cut -d' ' -f3 "$out/p$index")]"
            else
                range=$(cut -d' ' -f2 "$out/r$index" | sort -g |
                    awk '{ v[NR] = $1 } END { printf "[%.4f..%.4f]", v[1], v[NR] }')
            fi
            printf '%-32s %10d %17s %10.4f %10.4f\n' "$group::$variant" "$value" "$range" \
                "$(cut -d' ' -f1 "$out/r$index" | fmedian)" "$(cut -d' ' -f2 "$out/r$index" | fmedian)"
            index=$((index + 1))
        done
        rm -f "$out"/r*
    done
    ;;
evaluation)
    echo "Ir per evaluation ($evaluations evaluations per case)"
    printf '%-32s %10s %12s\n' case Ir/eval checkpoint/hand
    CHECKPOINT_CALLGRIND=list "$binary" | while read -r name; do
        CHECKPOINT_CALLGRIND="$name" CHECKPOINT_CALLGRIND_REQUESTS="$evaluations" \
            valgrind --tool=callgrind --callgrind-out-file="$out/cg" --collect-atstart=no \
            --toggle-collect='*measured_evaluations*' "$binary" >/dev/null 2>&1
        value=$(awk -v n="$evaluations" '/^summary:/ { printf "%.1f", $2 / n }' "$out/cg")
        echo "$name $value" >>"$out/results"
        ratio=-
        if [[ "$name" == */hand_written/* ]]; then
            mine=$(awk -v key="${name/hand_written/checkpoint}" '$1 == key { print $2 }' "$out/results")
            ratio=$(awk -v a="$mine" -v b="$value" 'BEGIN { printf "%.3f", a / b }')
        fi
        printf '%-32s %10s %12s\n' "$name" "$value" "$ratio"
    done
    ;;
*)
    echo "usage: $0 full_stack|evaluation" >&2
    exit 2
    ;;
esac
