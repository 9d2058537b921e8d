#!/usr/bin/env bash
# Wall-clock ratios of the full-stack benchmark: runs `cargo bench --bench full_stack` RUNS
# times; in each run, divides every variant's median by the no-check and hand-written medians
# of its group (taken in that same run), then prints the median of those ratios over the runs.
#
#   bench/ratios.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

cargo bench --bench full_stack --no-run --quiet
for run in $(seq 1 "$runs"); do
    # A row, once the tree is drawn in spaces: "c_checkpoint 1.8 µs 45 µs 1.95 µs 2 µs 3000 12000"
    # (fastest, slowest, median, mean); a group is a name alone.
    cargo bench --quiet --bench full_stack 2>/dev/null |
        sed -e 's/│/ /g' -e 's/├/ /g' -e 's/╰/ /g' -e 's/─/ /g' |
        awk -v run="$run" '
            function ns(value, unit) { return unit == "ns" ? value : unit == "µs" ? value * 1e3 : value * 1e6 }
            NF == 1 { group = $1; next }
            NF >= 10 && $2 ~ /^[0-9.]+$/ { print run, group, $1, ns($6, $7) }' >>"$out"
done

echo "median of $runs runs; per-run ratios of divan medians (ns)"
printf '%-32s %10s %10s %10s\n' variant median_ns /no_check /hand
awk '{ key = $2 "::" $3; t[$1, key] = $4; keys[key] = 1; group[key] = $2 }
    END {
        for (key in keys) {
            split(key, parts, "::")
            n = 0
            for (run = 1; run <= '"$runs"'; run++) {
                base = t[run, parts[1] "::a_no_check"]; hand = t[run, parts[1] "::b_hand_written"]
                if (base == "" || t[run, key] == "") continue
                n++; times[n] = t[run, key]; r1[n] = t[run, key] / base; r2[n] = t[run, key] / hand
            }
            printf "%s %s %s %s\n", key, median(times, n), median(r1, n), median(r2, n)
        }
    }
    function median(a, n,   i, j, tmp) {
        for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { tmp = a[j]; a[j] = a[j - 1]; a[j - 1] = tmp }
        return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }' "$out" | sort | awk '{ printf "%-32s %10.0f %10.4f %10.4f\n", $1, $2, $3, $4 }'
