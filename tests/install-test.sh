#!/bin/sh
# Installs into a temporary prefix, then builds and runs the quick start against the installed
# copy twice: through pkg-config and through CMake's find_package(discgrad). Finally uninstalls
# and checks that nothing is left. Needs pkg-config and cmake (.ci/run installs them).
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
CC=${CC:-cc}
MAKE=${MAKE:-make}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
fail() { echo "install-test: $*"; exit 1; }

"$MAKE" --no-print-directory -s install PREFIX="$prefix" >/dev/null
[ -f "$prefix/include/discgrad.h" ] || fail "include/discgrad.h not installed"
cmp -s "$prefix/include/discgrad.h" discgrad.h || fail "installed header differs"

# The quick start alone in a directory: discgrad.h can only come from the installed copy.
mkdir "$tmp/app"
cp examples/quickstart.c "$tmp/app/"
cd "$tmp/app"

# pkg-config
PKG_CONFIG_PATH="$prefix/share/pkgconfig"
export PKG_CONFIG_PATH
pkg-config --exists discgrad || fail "pkg-config does not find discgrad"
version=$(pkg-config --modversion discgrad)
# shellcheck disable=SC2046  # the flags are meant to be split into words
"$CC" -std=c99 -Wall -Wextra -pedantic -Werror quickstart.c -o quickstart-pc $(pkg-config --cflags --libs discgrad)
./quickstart-pc > out-pc.txt
echo "pkg-config (discgrad $version): built and ran the quick start"

# CMake
cat > CMakeLists.txt <<'CMAKE'
cmake_minimum_required(VERSION 3.10)
project(quickstart C)
find_package(discgrad REQUIRED)
add_executable(quickstart quickstart.c)
target_link_libraries(quickstart PRIVATE discgrad::discgrad)
CMAKE
cmake -S . -B build -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$CC" > cmake.log 2>&1 \
    || { cat cmake.log; fail "cmake configure failed"; }
cmake --build build > build.log 2>&1 || { cat build.log; fail "cmake build failed"; }
./build/quickstart > out-cmake.txt
cmp -s out-pc.txt out-cmake.txt || fail "the pkg-config and CMake builds print different results"
echo "CMake find_package(discgrad): built and ran the quick start"
# A version request: the installed one is accepted, a newer one refused.
sed -i "s/find_package(discgrad REQUIRED)/find_package(discgrad $version REQUIRED)/" CMakeLists.txt
cmake -S . -B build-same -DCMAKE_PREFIX_PATH="$prefix" > cmake-same.log 2>&1 \
    || { cat cmake-same.log; fail "find_package(discgrad $version) refused version $version"; }
sed -i "s/find_package(discgrad $version REQUIRED)/find_package(discgrad 99.0 REQUIRED)/" CMakeLists.txt
if cmake -S . -B build-newer -DCMAKE_PREFIX_PATH="$prefix" > cmake-newer.log 2>&1; then
    fail "find_package(discgrad 99.0) accepted version $version"
fi

cd "$root"
"$MAKE" --no-print-directory -s uninstall PREFIX="$prefix" >/dev/null
left=$(find "$prefix" -type f | head -n 5)
[ -z "$left" ] || fail "left behind after uninstall: $left"
# Staged install for packaging: files under DESTDIR, paths inside them without it.
"$MAKE" --no-print-directory -s install DESTDIR="$tmp/stage" PREFIX=/usr >/dev/null
[ -f "$tmp/stage/usr/include/discgrad.h" ] || fail "DESTDIR install did not stage the header"
grep -q '^prefix=/usr$' "$tmp/stage/usr/share/pkgconfig/discgrad.pc" || fail "DESTDIR leaked into discgrad.pc"
grep -q '"/usr/include"' "$tmp/stage/usr/share/cmake/discgrad/discgrad-config.cmake" \
    || fail "DESTDIR leaked into discgrad-config.cmake"
"$MAKE" --no-print-directory -s uninstall DESTDIR="$tmp/stage" PREFIX=/usr >/dev/null
[ -z "$(find "$tmp/stage" -type f | head -n 1)" ] || fail "DESTDIR uninstall left files behind"
echo "install-test: install, pkg-config, CMake, DESTDIR staging and uninstall work"
