#!/bin/sh
# Fails when a public function of discgrad.h is missing from tests/test_errors.c or from
# tests/fuzz_estimate.c: each must reach every entry point, so a new function needs its
# bad-input test and its place in the fuzz harness.
set -eu
names=$(grep -E '^DGDEF ' discgrad.h | sed -E 's/\(.*//' | awk '{print $NF}' | tr -d '*' | sort -u)
status=0
for f in tests/test_errors.c tests/fuzz_estimate.c; do
    for name in $names; do
        grep -qw "$name" "$f" || { echo "api-coverage: $name is not used in $f"; status=1; }
    done
done
[ $status = 0 ] && echo "api-coverage: all $(echo "$names" | wc -w) public functions reached by tests/test_errors.c and tests/fuzz_estimate.c"
exit $status
