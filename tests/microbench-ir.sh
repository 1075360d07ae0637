#!/bin/sh
# Instructions per logit of each microbenchmark case, counted by callgrind inside mb_run only
# (setup excluded). Usage: tests/microbench-ir.sh BINARY...   (binaries built from microbench.c
# without AVX-512, which valgrind cannot run). CASES="name ..." restricts the cases.
for bin in "$@"; do
    echo "$bin"
    for spec in cat1024x64:65536:16 cat32x10:320:3000 bern65536:65536:16 bern320:320:3000 \
                est-gs-1024x64:65536:16 est-st-1024x64:65536:16 est-gs-32x10:320:3000 \
                est-st-32x10:320:3000 est-gs-1x2:2:100000 est-rf-1024x64:65536:16 \
                est-rf-32x10:320:3000 est-gr-1024x64:65536:16 est-gr-32x10:320:3000 \
                est-gr-bern320:320:3000 est-rebar-1024x64:65536:8 est-rebar-32x10:320:1500 \
                est-rebar-bern320:320:1500 est-relax-1024x64:65536:8 est-relax-32x10:320:1500 \
                est-gr-1x2:2:100000 est-rebar-1x2:2:50000; do
        name=${spec%%:*}; rest=${spec#*:}; n=${rest%%:*}; reps=${rest#*:}
        if [ -n "$CASES" ]; then case " $CASES " in *" $name "*) ;; *) continue ;; esac; fi
        ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect=mb_run \
             "$bin" "$name" "$reps" 2>&1 | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p')
        awk -v c="$name" -v ir="$ir" -v n="$n" -v r="$reps" \
            'BEGIN { printf "  %-16s %8.1f instructions/logit\n", c, ir / (n * r) }'
    done
done
