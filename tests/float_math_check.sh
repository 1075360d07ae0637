#!/bin/sh
# A float build does float math: compiles the library (tests/impl.c) for a Cortex-M4F, whose FPU
# is single precision, with DG_REAL=float, one section per function, and lists every function
# that calls a double-precision helper (__aeabi_d*, conversions to double) or a double libm
# function. Fails if any function outside the documented exceptions does: dg_exact and the sweep
# it shares with the DG_EXACT method, dg__exact_sweep (long double sums, which is double on ARM),
# and dg_stats_* (accumulated in double).
# Usage: sh tests/float_math_check.sh [arm-none-eabi-gcc]
set -eu
CC=${1:-arm-none-eabi-gcc}
OBJDUMP=$(echo "$CC" | sed 's/gcc$/objdump/')
command -v "$CC" >/dev/null || { echo "float-math: $CC not installed"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$(dirname "$0")/.."
for opt in -O0 -Os -O2; do
    "$CC" -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard -mthumb $opt -std=c99 \
        -Wall -Wextra -pedantic -Werror -Wdouble-promotion -DDG_REAL=float -ffunction-sections \
        -c tests/impl.c -o "$dir/impl.o"
    "$OBJDUMP" -r "$dir/impl.o" |
        awk '/RELOCATION RECORDS FOR/ { sec = $4; sub(/^\[\.text\./, "", sec); sub(/\]:$/, "", sec); next }
             $3 ~ /^__aeabi_(d[a-z0-9]+|[fil]2d|ui2d|ul2d)$/ ||
             $3 ~ /^(exp|log|log1p|expm1|sqrt|fabs|pow|tanh|exp2|log2)$/ ||
             $3 ~ /^(exp|log|log1p|expm1|sqrt|fabs)l$/ { print sec, $3 }' |
        sort -u > "$dir/uses"
    bad=$(grep -vE '^(dg_exact|dg__exact_sweep|dg_stats_[a-z]+)(\.[a-z]+\.[0-9]+)? ' "$dir/uses" || true)
    if [ -n "$bad" ]; then
        echo "float-math ($opt): functions doing double math in a float build:"
        echo "$bad"
        exit 1
    fi
    echo "float-math ($opt): double math only in $(awk '{print $1}' "$dir/uses" | sort -u | tr '\n' ' ')"
done
