#!/usr/bin/env bash
# Unpack Debian's OpenMP-threaded OpenBLAS into .cache/bench-openblas (no system change) so the
# PyTorch peers can run with it (bench/lib/peers.ts puts it first on LD_LIBRARY_PATH). Debian's
# python3-torch links the generic libblas.so.3; with only libblas3 installed that is the netlib
# reference BLAS (~1–2 GFLOP/s), and libopenblas0-serial cannot use a second core.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/bench-openblas
if [ -e "$dest/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3" ]; then echo "already there: $dest"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download libopenblas0-openmp)
mkdir -p "$dest"
dpkg -x "$tmp"/libopenblas0-openmp_*.deb "$dest"
echo "unpacked into $dest/usr/lib/x86_64-linux-gnu/openblas-openmp"
