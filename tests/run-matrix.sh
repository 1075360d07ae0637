#!/bin/sh
# Runs each test binary given (two at a time), prints their outputs in order, then one line
# "N passed, N failed" summing every run. Exits nonzero if any run failed or crashed.
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
i=0
for bin in "$@"; do
    i=$((i + 1))
    printf '%s\n' "$i $bin"
done | xargs -P 2 -n 2 sh -c '"$1" > "'"$dir"'/$0.log" 2>&1; echo $? > "'"$dir"'/$0.rc"'
passed=0; failed=0; status=0; i=0
for bin in "$@"; do
    i=$((i + 1))
    cat "$dir/$i.log"
    rc=$(cat "$dir/$i.rc" 2>/dev/null || echo 99)
    line=$(grep -E '^[A-Za-z0-9_.+-]+: [0-9]+ passed, [0-9]+ failed$' "$dir/$i.log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "$bin: no result line (exit $rc)"; failed=$((failed + 1)); status=1; continue
    fi
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/')
    f=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/')
    passed=$((passed + p)); failed=$((failed + f))
    [ "$rc" = 0 ] || status=1
done
echo "$passed passed, $failed failed"
exit $status
