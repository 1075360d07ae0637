#!/bin/sh
# Checks the documentation against the code (make check-docs, part of CI):
#   1. every ```c block of README.md and docs/*.md compiles as written, as C99 with gcc and clang
#      and as C++11 with g++ (strict warnings, -Werror), with discgrad.h beside it, and runs:
#      exit 0, the same output from every build, and the output block that follows it (a plain
#      ``` block), if any, equal to what it prints; the README's first block is
#      examples/quickstart.c byte for byte;
#   2. the ```sh block with pkg-config and the ```cmake block run as written against
#      `make install` into a temporary prefix (HOME points into a temporary directory, so
#      $HOME/.local is that prefix), building the quick start as app.c; then `make uninstall`;
#   3. every relative link and image in README.md and docs/*.md resolves to a file of the
#      repository, and every #anchor to a heading of its page;
#   4. nothing refers to the reference sheet that is not in the repository (MATH.md);
#   5. a short `make plots` draws the same charts as docs/toy-*.svg: the same title, axis labels,
#      legend entries (label, colour, line style), legend note and floor row (the caption and the
#      data differ: fewer steps and seeds); so does a two-step `make vae-plots` for
#      docs/vae-*.svg when Fashion-MNIST is installed (CI installs it before).
# Needs gcc, clang, g++, pkg-config and cmake (.ci/run installs them).
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
MAKE=${MAKE:-make}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0
fail() { echo "check-docs: FAIL: $*"; failures=$((failures + 1)); }
pass() { checks=$((checks + 1)); }
STRICT="-Wall -Wextra -pedantic -Werror"

# --- the fenced blocks of a page, in order: DIR/NN.LANG ("txt" for a plain ```) ----------------
extract_blocks() { # page dir
    mkdir -p "$2"
    awk -v dir="$2" '
        !inside && /^```/ {
            lang = substr($0, 4); sub(/[ \t]+$/, "", lang); if (lang == "") lang = "txt"
            n++; file = sprintf("%s/%02d.%s", dir, n, lang); inside = 1; printf "" > file; next
        }
        inside && /^```[ \t]*$/ { inside = 0; close(file); next }
        inside { print > file }
    ' "$1"
}
extract_blocks README.md "$tmp/blocks"

# --- 1. C blocks -------------------------------------------------------------------------------
first_c=$(ls "$tmp/blocks" | grep '\.c$' | head -n 1)
if [ -z "$first_c" ]; then
    fail "README.md has no \`\`\`c block"
elif cmp -s "$tmp/blocks/$first_c" examples/quickstart.c; then
    pass
else
    fail "README.md's first \`\`\`c block differs from examples/quickstart.c"
    diff -u "$tmp/blocks/$first_c" examples/quickstart.c || true
fi
# Every ```c block of a page builds and runs; a plain block right after it is its output.
check_c_blocks() { # page blocks-dir
    prev=""
    for b in $(ls "$2"); do
        case "$b" in
        *.c)
            d="$2/c-$b"
            mkdir "$d"
            cp discgrad.h "$d/"
            cp "$2/$b" "$d/prog.c"
            ok=1
            (cd "$d" && gcc -std=c99 $STRICT prog.c -o prog-gcc -lm) || { fail "$1 block $b: gcc -std=c99 failed"; ok=0; }
            (cd "$d" && clang -std=c99 $STRICT prog.c -o prog-clang -lm) || { fail "$1 block $b: clang -std=c99 failed"; ok=0; }
            (cd "$d" && g++ -std=c++11 -x c++ $STRICT prog.c -o prog-gxx -lm) || { fail "$1 block $b: g++ -std=c++11 failed"; ok=0; }
            if [ $ok = 1 ]; then
                for c in gcc clang gxx; do
                    (cd "$d" && ./prog-$c > out-$c.txt) || { fail "$1 block $b ($c build) exited with an error"; ok=0; }
                done
            fi
            if [ $ok = 1 ]; then
                if cmp -s "$d/out-gcc.txt" "$d/out-clang.txt" && cmp -s "$d/out-gcc.txt" "$d/out-gxx.txt"; then
                    pass
                else
                    fail "$1 block $b prints differently as C (gcc, clang) and C++"
                fi
                echo "check-docs: $1 block $b builds as C99 (gcc, clang) and C++11 and runs"
            fi
            ;;
        *.txt)
            case "$prev" in
            *.c)
                d="$2/c-$prev"
                if [ -f "$d/out-gcc.txt" ]; then
                    if cmp -s "$d/out-gcc.txt" "$2/$b"; then
                        pass
                        echo "check-docs: $1 block $b is what block $prev prints"
                    else
                        fail "$1 block $b is not what block $prev prints:"
                        diff -u "$2/$b" "$d/out-gcc.txt" || true
                    fi
                fi
                ;;
            esac
            ;;
        esac
        prev=$b
    done
}
check_c_blocks README.md "$tmp/blocks"
for md in docs/*.md; do
    page=$(basename "$md" .md)
    extract_blocks "$md" "$tmp/docs-$page"
    check_c_blocks "$md" "$tmp/docs-$page"
done

# --- 2. install snippets -------------------------------------------------------------------------
sh_block=$(grep -l 'pkg-config' "$tmp/blocks"/*.sh 2>/dev/null | head -n 1 || true)
cmake_block=$(ls "$tmp/blocks"/*.cmake 2>/dev/null | head -n 1 || true)
HOME="$tmp/home"
export HOME
mkdir -p "$HOME"
if [ -z "$sh_block" ]; then
    fail "README.md has no \`\`\`sh block with pkg-config"
else
    mkdir "$tmp/pc"
    cp examples/quickstart.c "$tmp/pc/app.c"
    # The block as written, run by sh -e in the application's directory; its make commands run
    # in the repository (where a reader types them).
    { printf 'make() { command "%s" -C "%s" --no-print-directory -s "$@" >/dev/null; }\n' "$MAKE" "$root"
      cat "$sh_block"; } > "$tmp/pc/snippet.sh"
    if (cd "$tmp/pc" && sh -e snippet.sh && ./app > out.txt); then
        if cmp -s "$tmp/pc/out.txt" "$tmp/blocks/c-$first_c/out-gcc.txt"; then
            pass
            echo "check-docs: the pkg-config snippet installs, builds the quick start as app.c and runs it"
        else
            fail "the app built through pkg-config prints differently from the quick start"
        fi
    else
        fail "the README's pkg-config snippet failed"
    fi
fi
if [ -z "$cmake_block" ]; then
    fail "README.md has no \`\`\`cmake block"
elif [ ! -f "$HOME/.local/include/discgrad.h" ]; then
    fail "nothing installed in \$HOME/.local: the CMake snippet cannot be tried"
else
    mkdir "$tmp/cm"
    cp examples/quickstart.c "$tmp/cm/app.c"
    cp "$cmake_block" "$tmp/cm/CMakeLists.txt"
    if (cd "$tmp/cm" && cmake -S . -B build -DCMAKE_PREFIX_PATH="$HOME/.local" > cmake.log 2>&1 &&
        cmake --build build > build.log 2>&1 && ./build/app > out.txt); then
        if cmp -s "$tmp/cm/out.txt" "$tmp/blocks/c-$first_c/out-gcc.txt"; then
            pass
            echo "check-docs: the CMake snippet finds the installed package, builds the quick start and runs it"
        else
            fail "the app built through CMake prints differently from the quick start"
        fi
    else
        cat "$tmp/cm/cmake.log" "$tmp/cm/build.log" 2>/dev/null | tail -n 20
        fail "the README's CMake snippet failed as written against the installed package"
    fi
fi
"$MAKE" -C "$root" --no-print-directory -s uninstall PREFIX="$HOME/.local" >/dev/null 2>&1 || true

# --- 3. relative links ---------------------------------------------------------------------------
# GitHub's anchor of a heading: lower case, punctuation other than - and _ dropped, spaces to -.
anchors() {
    awk '/^```/ { code = !code; next }
         !code && /^#+ / {
             h = $0; sub(/^#+ +/, "", h); h = tolower(h)
             gsub(/[^a-z0-9 _-]/, "", h); gsub(/ /, "-", h); print h
         }' "$1"
}
for md in README.md docs/*.md; do
    dir=$(dirname "$md")
    # every (target) of [text](target) or ![alt](target) outside fenced code
    awk '/^```/ { code = !code; next }
         !code {
             line = $0
             while (match(line, /\]\([^) ]+\)/)) {
                 print substr(line, RSTART + 2, RLENGTH - 3)
                 line = substr(line, RSTART + RLENGTH)
             }
         }' "$md" > "$tmp/links.txt"
    while IFS= read -r link; do
        case "$link" in
        http://* | https://* | mailto:*) continue ;;
        esac
        path=${link%%#*}
        anchor=""
        case "$link" in *'#'*) anchor=${link#*#} ;; esac
        if [ -z "$path" ]; then
            target=$md
        else
            target="$dir/$path"
        fi
        if [ ! -e "$target" ]; then
            fail "$md links to $link: $target does not exist"
            continue
        fi
        resolved=$(cd "$(dirname "$target")" && pwd -P)
        case "$resolved/" in
        "$root"/*) ;;
        *) fail "$md links to $link, outside the repository"; continue ;;
        esac
        if [ -n "$anchor" ]; then
            if ! anchors "$target" | grep -qx "$anchor"; then
                fail "$md links to $link: no heading with anchor #$anchor in $target"
                continue
            fi
        fi
        pass
    done < "$tmp/links.txt"
done
echo "check-docs: relative links of README.md and docs/*.md checked"

# --- 4. no reference outside the repository -------------------------------------------------------
if git grep -n -e 'MATH\.md' -e 'reference sheet' -- . ':!tests/check-docs.sh' > "$tmp/refs.txt" 2>/dev/null; then
    cat "$tmp/refs.txt"
    fail "references to MATH.md or \"the reference sheet\", which are not in the repository (docs/math.md is)"
else
    pass
fi

# --- 5. figures: a short make plots draws the same charts as docs/ -------------------------------
# The structure of a chart: title, axis labels, legend entries with colour and dash, the
# legend note, the floor row's label. Not the caption (steps and seeds differ), not the data.
structure() {
    awk '
        /font-weight="bold"/ { t = $0; gsub(/<[^>]*>/, "", t); print "title: " t }
        /rotate\(-90\)/ { t = $0; gsub(/<[^>]*>/, "", t); print "ylabel: " t }
        /stroke-width="2.2"/ {
            c = $0; sub(/.*stroke="/, "", c); sub(/".*/, "", c)
            d = "solid"; if ($0 ~ /stroke-dasharray/) { d = $0; sub(/.*stroke-dasharray="/, "", d); sub(/".*/, "", d) }
            legend = 1; style = c " " d; next
        }
        legend && /^<text/ { t = $0; gsub(/<[^>]*>/, "", t); print "legend: " t " " style; legend = 0 }
        /font-size="11"/ && !/x="12"/ { t = $0; gsub(/<[^>]*>/, "", t); print "note: " t }
        />Var = 0</ { print "floor row" }
    ' "$1"
}
mkdir "$tmp/plots"
if "$MAKE" -C "$root" --no-print-directory -s plots PLOT_DIR="$tmp/plots" TOY_STEPS=200 TOY_EVERY=50 TOY_SEEDS=2 \
        BUILD="$tmp/build" > "$tmp/plots.log" 2>&1; then
    for f in toy-t0.45-loss.svg toy-t0.45-logvar.svg toy-t0.499-loss.svg toy-t0.499-logvar.svg; do
        structure "docs/$f" > "$tmp/want.txt"
        structure "$tmp/plots/$f" > "$tmp/got.txt"
        if [ ! -s "$tmp/want.txt" ]; then
            fail "docs/$f has no recognisable chart"
        elif cmp -s "$tmp/want.txt" "$tmp/got.txt"; then
            pass
        else
            fail "make plots draws $f differently from docs/$f (run make plots and commit the figures):"
            diff -u "$tmp/want.txt" "$tmp/got.txt" || true
        fi
    done
    echo "check-docs: a short make plots draws the charts of docs/toy-*.svg"
else
    tail -n 20 "$tmp/plots.log"
    fail "make plots failed"
fi
# The VAE figures need Fashion-MNIST (make data; CI installs it first): two steps of one seed.
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    mkdir "$tmp/vae-plots"
    if "$MAKE" -C "$root" --no-print-directory -s vae-plots PLOT_DIR="$tmp/vae-plots" VAE_SEEDS=1 \
            VAE_BERN_STEPS=2 VAE_CAT_STEPS=2 VAE_TEST_N=20 BUILD="$tmp/build" > "$tmp/vae-plots.log" 2>&1; then
        for f in vae-bernoulli.svg vae-categorical.svg; do
            structure "docs/$f" > "$tmp/want.txt"
            structure "$tmp/vae-plots/$f" > "$tmp/got.txt"
            if [ ! -s "$tmp/want.txt" ]; then
                fail "docs/$f has no recognisable chart"
            elif cmp -s "$tmp/want.txt" "$tmp/got.txt"; then
                pass
            else
                fail "make vae-plots draws $f differently from docs/$f (run make vae-plots and commit the figures):"
                diff -u "$tmp/want.txt" "$tmp/got.txt" || true
            fi
        done
        echo "check-docs: a short make vae-plots draws the charts of docs/vae-*.svg"
    else
        tail -n 20 "$tmp/vae-plots.log"
        fail "make vae-plots failed"
    fi
else
    echo "check-docs: docs/vae-*.svg not compared: Fashion-MNIST is not installed (make data DG_INSTALL=1)"
fi

echo "check-docs: $checks passed, $failures failed"
[ "$failures" = 0 ]
