#!/bin/sh
# A very short run of the toy example (CI): it must exit 0, write its CSV and SVG files, and no
# estimator may stop with an error other than "not available" (a method the header lacks).
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
done
if grep -q "stopped at step" "$dir/out.txt"; then
    grep "stopped at step" "$dir/out.txt"; fail "an estimator failed during training"
fi
cat "$dir/out.txt" | grep -v '^wrote '
echo "toy-check: the toy runs and writes its CSV and SVG files"
