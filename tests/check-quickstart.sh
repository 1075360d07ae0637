#!/bin/sh
# Checks that examples/quickstart.c is the README's first ```c block byte for byte, then compiles
# it the way the README says (the header next to it, C99 with strict warnings) and runs it: it must
# exit 0, print a header row, the exact gradient, and each estimator's means within 4 standard
# errors of it.
set -eu
cd "$(dirname "$0")/.."
CC=${CC:-cc}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# The first fenced block opened by ```c, without its fences.
awk 'done { next }
     !inside && /^```c[ \t]*$/ { inside = 1; next }
     inside && /^```[ \t]*$/ { done = 1; next }
     inside { print }' README.md > "$dir/readme.c"
if [ ! -s "$dir/readme.c" ]; then
    echo "check-quickstart: README.md has no \`\`\`c block"; exit 1
fi
if ! cmp -s "$dir/readme.c" examples/quickstart.c; then
    echo "check-quickstart: README.md's first \`\`\`c block differs from examples/quickstart.c:"
    diff -u "$dir/readme.c" examples/quickstart.c || true
    exit 1
fi

cp discgrad.h examples/quickstart.c "$dir/"
(cd "$dir" && "$CC" -std=c99 -Wall -Wextra -pedantic -Werror quickstart.c -o quickstart -lm)
"$dir/quickstart" > "$dir/out.txt"
cat "$dir/out.txt"
if ! head -n 1 "$dir/out.txt" | grep -Eq '^method +d/dlogit'; then
    echo "check-quickstart: the first line is not the header row"; exit 1
fi
if ! sed -n 2p "$dir/out.txt" | grep -Eq '^exact +-?[0-9]'; then
    echo "check-quickstart: the second line is not the exact gradient"; exit 1
fi
# Every estimator's row: three means, each with its standard error, within 4 of them of exact.
awk 'NR == 2 { for (i = 1; i <= 3; ++i) ex[i] = $(i + 1); next }
     NR > 2 && NF == 10 && $3 == "+-" {
         rows++
         for (i = 1; i <= 3; ++i) {
             m = $(3 * i - 1); se = $(3 * i + 1); d = m - ex[i]
             if (d < 0) d = -d
             if (!(se > 0) || d > 4 * se) { print "check-quickstart: " $1 " coordinate " i - 1 " is " m " +- " se ", exact " ex[i]; bad = 1 }
         }
     }
     END { if (rows != 3) { print "check-quickstart: expected 3 estimator rows, saw " rows + 0; bad = 1 } exit bad }' \
    "$dir/out.txt" || exit 1
echo "check-quickstart: README block == examples/quickstart.c, builds with -std=c99 -Werror, runs"
