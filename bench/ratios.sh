#!/usr/bin/env bash
# Wall-clock ratios of the full-stack benchmark, paired: the bench binary's CHECKPOINT_PAIRED
# mode sends a batch of requests to every variant of a group in turn (in an order that rotates
# each round) and divides each variant's time by the no-check and hand-written times of the same
# round, so the machine's drift cancels. This runs that mode RUNS times (separate processes) and
# prints the median, over the runs, of each run's median ratio.
#
#   bench/ratios.sh [RUNS] [ROUNDS]
#
# GROUP=<group> runs one group; TWIN=<variant> divides the last column by that variant's time
# (as `GROUP=login_default TWIN=e_hand_written_user` for the user look-up's twin).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
rounds="${2:-1000}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

binary=$(cargo bench --bench full_stack --no-run --message-format=json 2>/dev/null |
    jq -r 'select(.reason == "compiler-artifact" and .target.name == "full_stack"
                  and (.target.kind | index("bench"))) | .executable')
for _ in $(seq 1 "$runs"); do
    # Rows: "group::variant ns /no_check /hand".
    CHECKPOINT_PAIRED="$rounds" "$binary" | awk 'NF == 4 && $2 ~ /^[0-9.]+$/' >>"$out"
done

echo "paired wall clock: median of $runs runs, each the median of $rounds rounds of per-round ratios"
printf '%-32s %10s %10s %10s\n' variant ns/request /no_check "/${TWIN:-hand}"
awk '{ n[$1]++; ns[$1, n[$1]] = $2; r1[$1, n[$1]] = $3; r2[$1, n[$1]] = $4; order[$1] = NR }
    END {
        for (key in n) {
            printf "%d %s %s %s %s\n", order[key], key, median(ns, key, n[key]),
                median(r1, key, n[key]), median(r2, key, n[key])
        }
    }
    function median(a, key, count,   i, j, v, tmp) {
        for (i = 1; i <= count; i++) v[i] = a[key, i]
        for (i = 2; i <= count; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { tmp = v[j]; v[j] = v[j - 1]; v[j - 1] = tmp }
        return (count % 2) ? v[(count + 1) / 2] : (v[count / 2] + v[count / 2 + 1]) / 2
    }' "$out" | sort -n | awk '{ printf "%-32s %10.0f %10.4f %10.4f\n", $2, $3, $4, $5 }'
