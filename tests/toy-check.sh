#!/bin/sh
# A very short run of the toy example (CI): it must exit 0, write its CSV and SVG files, and no
# estimator may stop with an error other than "not available" (a method the header lacks),
# and REINFORCE and DisARM, which the checks below need, must be there.
set -eu
toy=${1:-build/toy}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "toy-check: $*"; exit 1; }

"$toy" --steps 60 --every 10 --draws 100 --out "$dir" > "$dir/out.txt" || { cat "$dir/out.txt"; fail "toy exited with an error"; }
for t in t0.45 t0.499; do
    for f in "toy-$t.csv" "toy-$t-loss.svg" "toy-$t-logvar.svg"; do
        [ -s "$dir/$f" ] || fail "$f not written"
    done
    head -n 1 "$dir/toy-$t-loss.svg" | grep -q '^<?xml' || fail "toy-$t-loss.svg is not SVG"
    tail -n 1 "$dir/toy-$t-logvar.svg" | grep -q '^</svg>$' || fail "toy-$t-logvar.svg is truncated"
    # 60 steps logged every 10: 7 rows for every estimator that ran, exact at least.
    n=$(grep -c "^0\.[0-9]*,exact," "$dir/toy-$t.csv")
    [ "$n" = 7 ] || fail "toy-$t.csv has $n rows for exact, expected 7"
    # At step 0 (logit 0, p = 1/2) the loss is t^2 + (1 - 2t)/2 for every estimator. One draw of
    # REINFORCE, f(b) (b - 1/2), is f(1)/2 or -f(0)/2 with probability 1/2 each: its variance is
    # ((f(1) + f(0)) / 4)^2, and the sample variance of 100 draws lies within a few percent of it.
    # DisARM's variance is exactly 0 there (docs/math.md), which the CSV writes as a log of -inf.
    # The set methods draw M = 2 distinct configurations, both the bit has: their estimate is
    # the exact gradient at every step, a variance of exactly 0.
    awk -F, -v tag="$t" '
        NR == 1 { next }
        $2 ~ /^(unordered set|sum and sample)/ {
            seen_set++
            if ($7 != "-inf") { print tag ": " $2 " variance at step " $3 " is not 0 (log " $7 ")"; bad = 1 }
        }
        $3 == 0 {
            t = $1; want = t * t + (1 - 2 * t) / 2
            if ($6 - want > 1e-6 || want - $6 > 1e-6) { print tag ": " $2 " loss at step 0 is " $6 ", not " want; bad = 1 }
            if ($2 == "REINFORCE") {
                f1 = (1 - t) * (1 - t); f0 = t * t; v = ((f1 + f0) / 4) ^ 2
                if ($7 == "" || $7 - log(v) > 0.05 || log(v) - $7 > 0.05) {
                    print tag ": REINFORCE log-variance at step 0 is " $7 ", not " log(v); bad = 1
                }
            }
            if ($2 == "DisARM") {
                seen_disarm = 1
                if ($7 != "-inf") { print tag ": DisARM variance at p = 1/2 is not 0 (log " $7 ")"; bad = 1 }
            }
            seen_reinforce += $2 == "REINFORCE"
        }
        END {
            if (!seen_reinforce || !seen_disarm) { print tag ": no REINFORCE or DisARM rows at step 0"; bad = 1 }
            if (seen_set != 14) { print tag ": " seen_set " rows of the set methods, expected 2 x 7"; bad = 1 }
            exit bad
        }' "$dir/toy-$t.csv" || fail "toy-$t.csv does not match the closed forms"
done
if grep -q "stopped at step" "$dir/out.txt"; then
    grep "stopped at step" "$dir/out.txt"; fail "an estimator failed during training"
fi
cat "$dir/out.txt" | grep -v '^wrote '
echo "toy-check: the toy runs and writes its CSV and SVG files"
