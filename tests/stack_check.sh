#!/bin/sh
# Checks the library's stack use against the bounds the header documents.
#
# usage: tests/stack_check.sh FRAME_MAX CHAIN_MAX COMPILER [FLAGS...]
#
# Compiles the implementation (tests/impl.c) with -fstack-usage and fails when a function's own
# frame exceeds FRAME_MAX bytes or is unbounded (a VLA or alloca: "dynamic" without "bounded";
# "dynamic,bounded" frames are bounded by the size reported). With gcc it also
# asks for the call graph (-fcallgraph-info=su) and fails when the deepest chain of library frames
# exceeds CHAIN_MAX bytes or the graph has a cycle. Calls through pointers are the user's
# callbacks (their stack is the caller's business) except in dg_estimate, whose indirect call is
# the method table: it is charged as the deepest of the dg__est_* functions. Library calls
# (libm) count as 0. Prints the largest frames and the deepest chain.
set -eu
frame_max=$1
chain_max=$2
shift 2
cc=$1
shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
graph=0
case "$cc" in *gcc*|cc) graph=1 ;; esac
if [ "$graph" = 1 ]; then
    (cd "$dir" && $cc "$@" -fstack-usage -fcallgraph-info=su -c "$OLDPWD/tests/impl.c" -o impl.o)
else
    (cd "$dir" && $cc "$@" -fstack-usage -c "$OLDPWD/tests/impl.c" -o impl.o)
fi
status=0
echo "stack ($cc $*): largest frames"
awk -F'\t' '{ n = split($1, a, ":"); printf "%8d  %s  %s\n", $2, a[n], $3 }' "$dir/impl.su" |
    sort -rn | head -n 4
bad=$(awk -F'\t' -v max="$frame_max" '
    ($3 != "static" && $3 != "dynamic,bounded") || $2 + 0 > max { n = split($1, a, ":"); print a[n] " " $2 " " $3 }' "$dir/impl.su")
if [ -n "$bad" ]; then
    echo "stack: frames over $frame_max bytes or not static:"; echo "$bad"; status=1
fi
if [ "$graph" = 1 ]; then
    awk -v max="$chain_max" '
        function base(t,   n, a) { n = split(t, a, ":"); return a[n] }
        /^node:/ {
            match($0, /title: "[^"]*"/); t = base(substr($0, RSTART + 8, RLENGTH - 9))
            cost[t] = 0
            if (match($0, /\\n[0-9]+ bytes/)) cost[t] = substr($0, RSTART + 2, RLENGTH - 8) + 0
            known[t] = 1
        }
        /^edge:/ {
            match($0, /sourcename: "[^"]*"/); s = base(substr($0, RSTART + 13, RLENGTH - 14))
            match($0, /targetname: "[^"]*"/); d = base(substr($0, RSTART + 13, RLENGTH - 14))
            if (d == "__indirect_call") {
                if (s != "dg_estimate") next
                for (f in known) if (f ~ /^dg__est_/) edges[s] = edges[s] " " f
                pending = 1
                next
            }
            edges[s] = edges[s] " " d
        }
        function deepest(f,   n, a, i, c, best, bestpath) {
            if (f in memo) return memo[f]
            if (onstack[f]) { print "stack: call cycle through " f; cycle = 1; return 0 }
            onstack[f] = 1
            best = 0; bestpath = ""
            n = split(edges[f], a, " ")
            for (i = 1; i <= n; ++i) {
                c = deepest(a[i])
                if (c > best) { best = c; bestpath = path[a[i]] }
            }
            onstack[f] = 0
            memo[f] = cost[f] + best
            path[f] = f (bestpath == "" ? "" : " > " bestpath)
            return memo[f]
        }
        END {
            # dg_estimate'"'"'s edges to dg__est_* are added once all nodes are known
            if (pending) {
                edges["dg_estimate"] = edges["dg_estimate"]
                for (f in known) if (f ~ /^dg__est_/ && index(edges["dg_estimate"], " " f) == 0)
                    edges["dg_estimate"] = edges["dg_estimate"] " " f
            }
            top = 0
            for (f in known) if (f ~ /^dg_[a-z]/) { c = deepest(f); if (c > top) { top = c; topf = f } }
            printf "stack: deepest chain %d bytes: %s\n", top, path[topf]
            if (cycle) exit 1
            if (top > max) { printf "stack: deepest chain over %d bytes\n", max; exit 1 }
        }' "$dir/impl.ci" || status=1
fi
exit $status
