#!/bin/sh
# Installs Fashion-MNIST (Debian's dataset-fashion-mnist) when it is absent and unpacks its IDX
# files into build/data/ (or the directory given as $1), where examples/vae.c reads them.
set -eu
src=/usr/share/datasets/fashion-mnist
dest=${1:-build/data}
files="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"

if [ ! -f "$src/train-images-idx3-ubyte.gz" ]; then
    echo "get-data: $src is absent, installing dataset-fashion-mnist" >&2
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq dataset-fashion-mnist
fi
mkdir -p "$dest"
for f in $files; do
    if [ ! -s "$dest/$f" ] || [ "$src/$f.gz" -nt "$dest/$f" ]; then
        gunzip -c "$src/$f.gz" > "$dest/$f.tmp"
        mv "$dest/$f.tmp" "$dest/$f"
    fi
done
echo "get-data: Fashion-MNIST IDX files in $dest"
