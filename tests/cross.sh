#!/bin/sh
# Other targets (make cross). Installs nothing: .ci/run installs the Debian packages first
# (gcc-aarch64-linux-gnu gcc-s390x-linux-gnu gcc-i686-linux-gnu gcc-arm-linux-gnueabihf and
# their libc6-dev-*-cross, qemu-user, gcc-arm-none-eabi libnewlib-arm-none-eabi, tcc).
#
# 1. The test suite built -std=c99 -O2 -static -Wall -Wextra -pedantic -Werror for
#      aarch64                 double, float
#      s390x (big-endian)      double, float   (float: FLT_EVAL_METHOD 1 in ISO C)
#      i386 with x87 math      double, float   (FLT_EVAL_METHOD 2)
#      armhf                   float
#    and run under qemu-user, two at a time; then one line "N passed, N failed" for them all.
#    Emulation runs the suite 30 to 130 times slower (x87 arithmetic the slowest): the whole
#    suite, 10 s natively, takes 5 to 30 minutes of CPU per target. So, as tests/valgrind.sh
#    does, a native run times every test and each target runs, from every test file, the
#    cheapest tests until their native time reaches CROSS_BUDGET seconds (default 0.1: all
#    but the larger statistical checks; at least one per file), a few minutes in all; the
#    script names the tests it leaves out. CROSS_BUDGET=inf runs them all (before a release:
#    hours of CPU). The whole suite also runs natively with x87 math (x86-64 -mfpmath=387,
#    FLT_EVAL_METHOD 2), double and float.
# 2. The header compiled warning-free (-Wall -Wextra -pedantic -Werror, implementation
#    included) by arm-none-eabi-gcc for a Cortex-M4F (double and float), tcc, g++ -std=c++98
#    and g++ -std=c++20; the test suite built by tcc and run; the Cortex-M4F float build
#    checked for double arithmetic (tests/float_math_check.sh); and -ffast-math refused.
#
# Usage: sh tests/cross.sh [suite|headers]... (default: both). Exits nonzero if anything fails.
# The suite's binaries are left in build/cross/ (run one: qemu-s390x build/cross/test-s390x-float).
set -eu
cd "$(dirname "$0")/.."
OUT=build/cross
mkdir -p "$OUT"
STRICT="-Wall -Wextra -pedantic -Werror"
parts=${*:-suite headers}
budget=${CROSS_BUDGET:-0.1}
began=$(date +%s)
status=0

# name  compiler  emulator  extra flags
TARGETS="aarch64-double aarch64-linux-gnu-gcc qemu-aarch64 -DDG_REAL=double
aarch64-float aarch64-linux-gnu-gcc qemu-aarch64 -DDG_REAL=float
s390x-double s390x-linux-gnu-gcc qemu-s390x -DDG_REAL=double
s390x-float s390x-linux-gnu-gcc qemu-s390x -DDG_REAL=float
i386-double i686-linux-gnu-gcc qemu-i386 -march=i686 -mfpmath=387
i386-float i686-linux-gnu-gcc qemu-i386 -march=i686 -mfpmath=387 -DDG_REAL=float
armhf-float arm-linux-gnueabihf-gcc qemu-arm -DDG_REAL=float"

need() {
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || { echo "cross: $t is not installed (.ci/run installs it)"; exit 1; }
    done
}

# Writes to $OUT/selected the tests the emulated targets run ("=name" arguments; nothing, so
# all of them, with CROSS_BUDGET=inf), from the native times of a plain x86-64 build.
select_tests() {
    : > "$OUT/selected"
    [ "$budget" = inf ] && { echo "cross: CROSS_BUDGET=inf: every test on every target"; return; }
    gcc -std=c99 -O2 tests/all.c -o "$OUT/test-native" -lm
    DGT_TIMES=1 "$OUT/test-native" > "$OUT/native.log" 2>&1 || true
    grep '^  time ' "$OUT/native.log" | awk '{print $2, $3}' > "$OUT/times"
    for f in tests/test_*.c; do
        grep -o 'DGT_ADD([A-Za-z0-9_]*)' "$f" | sed -e 's/DGT_ADD(//' -e 's/)//' |
            while read -r name; do printf '%s %s\n' "$f" "$name"; done
    done > "$OUT/files"
    awk 'NR == FNR { t[$1] = $2; next } { print $1, (($2 in t) ? t[$2] : 0), $2 }' \
        "$OUT/times" "$OUT/files" | sort -k1,1 -k2,2g |
        awk -v budget="$budget" '
            { if ($1 != cur) { cur = $1; used = 0; taken = 0 }
              if (taken == 0 || used + $2 <= budget) { used += $2; taken++; print "=" $3 }
              else print $3 > "/dev/stderr" }' > "$OUT/selected" 2> "$OUT/skipped"
    echo "cross: each emulated target runs $(wc -l < "$OUT/selected") of $(wc -l < "$OUT/files") tests" \
         "(CROSS_BUDGET=$budget s of native time per file; CROSS_BUDGET=inf runs all); not:" \
         $(tr '\n' ' ' < "$OUT/skipped")
}

suite() {
    need $(echo "$TARGETS" | awk '{print $2, $3}')
    # builds, two at a time (each compiler run is one core for ~10 s)
    echo "$TARGETS" | while read -r name cc emu flags; do
        printf '%s\n' "$name $cc $flags"
    done | xargs -P 2 -L 1 sh -c 'name=$0; cc=$1; shift 1
        if ! "$cc" -std=c99 -O2 -static '"$STRICT"' "$@" -DDGT_LABEL="\"$name\"" tests/all.c \
                -o "'"$OUT"'/test-$name" -lm > "'"$OUT"'/build-$name.log" 2>&1; then
            echo "cross: $name did not build:"; cat "'"$OUT"'/build-$name.log"; exit 255
        fi' || { echo "cross: a build failed"; exit 1; }
    select_tests
    # each binary runs under its emulator through a one-line wrapper, with the selected tests,
    # so that run-matrix.sh (which runs its arguments) collects the results as for make test
    runs=""
    echo "$TARGETS" | while read -r name cc emu flags; do
        printf '#!/bin/sh\nexec %s %s %s\n' "$emu" "$OUT/test-$name" "$(tr '\n' ' ' < "$OUT/selected")" \
            > "$OUT/run-$name"
        chmod +x "$OUT/run-$name"
    done
    for name in $(echo "$TARGETS" | awk '{print $1}'); do runs="$runs $OUT/run-$name"; done
    # the whole suite natively with x87 math (x86-64 -mfpmath=387: FLT_EVAL_METHOD 2)
    for real in double float; do
        gcc -std=c99 -O2 -mfpmath=387 $STRICT -DDG_REAL=$real -DDGT_LABEL="\"x86-64-x87-$real\"" \
            tests/all.c -o "$OUT/test-x87-$real" -lm || { echo "cross: x87-$real did not build"; exit 1; }
        runs="$runs $OUT/test-x87-$real"
    done
    start=$(date +%s)
    # shellcheck disable=SC2086
    sh tests/run-matrix.sh $runs || status=1
    echo "cross: suite under emulation took $(( $(date +%s) - start )) s"
}

check() { # description, then the command; prints one line
    what=$1; shift
    if "$@" > "$OUT/check.log" 2>&1; then
        echo "cross: ok    $what"
    else
        echo "cross: FAIL  $what"; cat "$OUT/check.log"; status=1
    fi
}

headers() {
    need arm-none-eabi-gcc tcc g++ gcc i686-linux-gnu-gcc
    M4="-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard -mthumb"
    check "arm-none-eabi-gcc Cortex-M4F -Os double" \
        arm-none-eabi-gcc $M4 -Os -std=c99 $STRICT -c tests/impl.c -o "$OUT/m4-double.o"
    check "arm-none-eabi-gcc Cortex-M4F -Os float, DG_ASSERT compiled out" \
        arm-none-eabi-gcc $M4 -Os -std=c99 $STRICT -DDG_REAL=float '-DDG_ASSERT(x)=((void)0)' \
        -c tests/impl.c -o "$OUT/m4-float.o"
    check "tcc double" tcc $STRICT -c tests/impl.c -o "$OUT/tcc-double.o"
    check "tcc float" tcc $STRICT -DDG_REAL=float -c tests/impl.c -o "$OUT/tcc-float.o"
    for std in c++98 c++20; do
        check "g++ -std=$std double" g++ -std=$std -x c++ $STRICT -O2 -c tests/impl.c -o "$OUT/gxx.o"
        check "g++ -std=$std float" g++ -std=$std -x c++ $STRICT -O2 -DDG_REAL=float -c tests/impl.c \
            -o "$OUT/gxx.o"
    done
    check "g++ -std=c++20 builds the test suite" \
        g++ -std=c++20 -x c++ $STRICT -O2 -fsyntax-only tests/all.c
    check "Cortex-M4F float build: double math only in dg_exact and dg_stats" \
        sh tests/float_math_check.sh arm-none-eabi-gcc
    # x87 math without C's rounding of assignments (gcc's GNU modes) is refused with a message
    if i686-linux-gnu-gcc -std=gnu99 -c tests/impl.c -o "$OUT/x87.o" > "$OUT/x87.log" 2>&1 ||
       ! grep -q "x87 math (FLT_EVAL_METHOD 2) without" "$OUT/x87.log"; then
        echo "cross: FAIL  i386 -std=gnu99 (x87, fast excess precision) must be refused"; status=1
    else
        echo "cross: ok    i386 -std=gnu99 (x87, fast excess precision) refused with its message"
    fi
    check "i386 -std=gnu99 -fexcess-precision=standard -DDG_EXCESS_PRECISION_STANDARD" \
        i686-linux-gnu-gcc -std=gnu99 -fexcess-precision=standard -DDG_EXCESS_PRECISION_STANDARD \
        $STRICT -c tests/impl.c -o "$OUT/x87.o"
    # the implementation refuses -ffast-math with its #error; the declarations alone accept it
    printf '#include "../../discgrad.h"\nint dg_main(void) { return DG_OK; }\n' > "$OUT/decl.c"
    check "-ffast-math: declarations compile" gcc -std=c99 $STRICT -ffast-math -c "$OUT/decl.c" \
        -o "$OUT/decl.o"
    if gcc -std=c99 -ffast-math -c tests/impl.c -o "$OUT/fast.o" > "$OUT/fast.log" 2>&1 ||
       ! grep -q "does not support -ffast-math" "$OUT/fast.log"; then
        echo "cross: FAIL  -ffast-math: the implementation must refuse it"; status=1
    else
        echo "cross: ok    -ffast-math: the implementation refuses it with its message"
    fi
    if tcc $STRICT -DDGT_LABEL='"tcc"' tests/all.c -o "$OUT/test-tcc" -lm > "$OUT/tcc.log" 2>&1; then
        if sh tests/run-matrix.sh "$OUT/test-tcc" > "$OUT/tcc-run.log" 2>&1; then
            echo "cross: ok    tcc builds the test suite: $(tail -n 1 "$OUT/tcc-run.log")"
        else
            echo "cross: FAIL  tcc's test suite:"; grep -E 'FAIL|passed' "$OUT/tcc-run.log"; status=1
        fi
    else
        echo "cross: FAIL  tcc does not build the test suite"; cat "$OUT/tcc.log"; status=1
    fi
}

for part in $parts; do
    case $part in
        suite) suite ;;
        headers) headers ;;
        *) echo "usage: sh tests/cross.sh [suite|headers]..."; exit 2 ;;
    esac
done
echo "cross: took $(( $(date +%s) - began )) s"
exit $status
