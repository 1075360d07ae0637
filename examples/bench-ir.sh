#!/bin/sh
# Instructions per estimate of every cell of examples/bench.c, counted by callgrind inside
# bench_reps only (the problem's setup and one warm-up call excluded). Instruction counts do not
# move with the machine's load, unlike times. Usage:
#   examples/bench-ir.sh BINARY [METHODS [SIZES]]     (comma-separated lists; default: all)
# The binary must be built without AVX-512, which valgrind cannot run (make bench-ir builds
# -O3 -mavx2 -mfma). JOBS=2 runs two valgrinds at a time. Prints "method size instructions".
bin=$1
methods=${2:-exact,reinforce,rloo,arm,disarm,indecater,gumbel-softmax,straight-through,gumbel-rao,reinmax,muprop,rebar,relax,vimco,floor-gs,floor-rf}
sizes=${3:-1x2,32x10,200,1024x64,64x200,64x20x10}
jobs=${JOBS:-1}
[ -x "$bin" ] || { echo "usage: $0 BINARY [METHODS [SIZES]]" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind not installed" >&2; exit 1; }
# calls per cell: enough to make the per-call figure exact to a few instructions, few enough for
# the slowest cells (IndeCateR's quadratic draws, categorical ARM's K f-calls) to stay short
reps_of() {
    case "$1:$2" in
        indecater:1024x64) echo 0 ;;    # 64513 f-calls of 65536 values: minutes under valgrind
        indecater:64x*|arm:1024x64) echo 1 ;;
        indecater:*) echo 10 ;;
        *:1x2) echo 1000 ;;
        *:32x10|*:200) echo 100 ;;
        *:1024x64) echo 2 ;;
        *) echo 4 ;;
    esac
}
for m in $(echo "$methods" | tr ',' ' '); do
    for s in $(echo "$sizes" | tr ',' ' '); do
        r=$(reps_of "$m" "$s")
        [ "$r" -gt 0 ] && echo "$m $s $r"
    done
done | xargs -P "$jobs" -L 1 sh -c '
    out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect=bench_reps \
          "$0" --methods "$1" --sizes "$2" --reps "$3" 2>&1)
    ir=$(echo "$out" | sed -n "s/.*Collected : *\([0-9]*\).*/\1/p")
    case "$out" in *": $3 calls, ok"*) st=ok ;; *) st=$(echo "$out" | sed -n "s/.*calls, //p" | head -1) ;; esac
    if [ "$st" = ok ]; then awk -v m="$1" -v s="$2" -v ir="$ir" -v r="$3" "BEGIN { printf \"%s %s %.0f\n\", m, s, ir / r }"
    else echo "$1 $2 ${st:-failed}"; fi' "$bin"
