#!/bin/sh
# Checks that examples/quickstart.c is the README's first ```c block byte for byte, then compiles
# it the way the README says (the header next to it, C99 with strict warnings) and runs it: it must
# exit 0 and print the exact gradient's line first.
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
if ! head -n 1 "$dir/out.txt" | grep -Eq '^exact +-?[0-9]'; then
    echo "check-quickstart: the first line is not the exact gradient"; exit 1
fi
echo "check-quickstart: README block == examples/quickstart.c, builds with -std=c99 -Werror, runs"
