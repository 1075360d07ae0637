#!/bin/sh
# Runs tests under valgrind's memcheck and fails on any memcheck error or test failure.
#
# usage: tests/valgrind.sh BINARY
#
# Memcheck runs code 20-50 times slower, so the whole suite would take too long. Instead the
# binary first runs natively with DGT_TIMES=1 to time every test; then, from every test file,
# the cheapest tests are taken until their native CPU time reaches DGT_VALGRIND_BUDGET seconds
# (default 0.3) -- always at least one test per file that registers any -- and memcheck runs
# those. DGT_VALGRIND_BUDGET=inf runs everything.
set -eu
bin=$1
budget=${DGT_VALGRIND_BUDGET:-0.3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# Tests that hold the library to a few ulps of a reference computed in long double: memcheck
# emulates x87 long double in double precision, so under it their references are no more
# accurate than the code they check (errors of hundreds of ulps, all the reference's). They run
# natively in every build of make test; memcheck still runs the same kernels through the other
# tests of their files.
extended_precision="cond_gumbel_rows_vs_reference cond_gumbel_public_vs_reference_and_fd math_exp_max_error math_log1p_max_error math_log_of_powers_of_two"

# file -> test names, from the DGT_ADD lines
for f in tests/test_*.c; do
    grep -o 'DGT_ADD([A-Za-z0-9_]*)' "$f" | sed -e 's/DGT_ADD(//' -e 's/)//' |
        while read -r name; do
            case " $extended_precision " in *" $name "*) continue ;; esac
            printf '%s %s\n' "$f" "$name"
        done
done > "$dir/files"
echo "valgrind.sh: not under memcheck (long-double references, see above): $extended_precision"

# failing tests still get timed (the memcheck run reports them); a crash stops here
DGT_TIMES=1 "$bin" > "$dir/native.log" 2>&1 || true
grep -qE ': [0-9]+ passed, [0-9]+ failed$' "$dir/native.log" || {
    cat "$dir/native.log"; echo "valgrind.sh: the native run crashed"; exit 1; }
grep '^  time ' "$dir/native.log" | awk '{print $2, $3}' > "$dir/times"

# pick per file: cheapest first, within the budget, at least one
awk -v budget="$budget" '
    NR == FNR { t[$1] = $2; next }
    { file[$2] = $1; n++; name[n] = $2 }
    END {
        for (i = 1; i <= n; ++i) print file[name[i]], (name[i] in t ? t[name[i]] : 0), name[i]
    }' "$dir/times" "$dir/files" | sort -k1,1 -k2,2g > "$dir/sorted"
awk -v budget="$budget" '
    {
        if ($1 != cur) { cur = $1; used = 0; taken = 0 }
        if (taken == 0 || budget == "inf" || used + $2 <= budget) {
            used += $2; taken++; print "=" $3
            printf "%s %s (%.3f s native)\n", $1, $3, $2 > "/dev/stderr"
        }
    }' "$dir/sorted" > "$dir/selected"
echo "valgrind.sh: $(wc -l < "$dir/selected") of $(wc -l < "$dir/files") tests, from $(cut -d' ' -f1 "$dir/files" | sort -u | wc -l) files"

# shellcheck disable=SC2046
valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --track-origins=yes -q "$bin" $(cat "$dir/selected")
