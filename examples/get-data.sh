#!/bin/sh
# Unpacks Fashion-MNIST's IDX files into build/data/ (or the directory given as $1), where
# examples/vae.c reads them. They come from Debian's package dataset-fashion-mnist, which this
# script installs only when asked: with DG_INSTALL=1 in the environment (make data DG_INSTALL=1,
# as CI does) it runs apt-get (through sudo when not root); otherwise it says how and stops.
set -eu
src=/usr/share/datasets/fashion-mnist
dest=${1:-build/data}
files="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"

if [ ! -f "$src/train-images-idx3-ubyte.gz" ]; then
    if [ "${DG_INSTALL:-0}" != 1 ]; then
        cat >&2 <<MSG
get-data: Fashion-MNIST is not installed ($src is absent).
It comes in Debian's package dataset-fashion-mnist (about 30 MB). Install it yourself:
    sudo apt-get update && sudo apt-get install dataset-fashion-mnist
or let this script run those two commands:
    make data DG_INSTALL=1      (or: DG_INSTALL=1 sh examples/get-data.sh)
MSG
        exit 1
    fi
    echo "get-data: DG_INSTALL=1: installing dataset-fashion-mnist with apt-get" >&2
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
