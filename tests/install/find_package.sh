#!/usr/bin/env bash
# Install matscreen into a scratch prefix, build an external C project against it with
# find_package(matscreen), and run it on a small table.
set -eu
build_dir=$1
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
cmake --install "$build_dir" --prefix "$d/prefix" > "$d/install.log"
test -x "$d/prefix/bin/matscreen"
test -f "$d/prefix/include/matscreen/ms_dataset.h"
cmake -S "$MS_SOURCE_DIR/tests/install/consumer" -B "$d/build" -DCMAKE_PREFIX_PATH="$d/prefix" > "$d/configure.log"
cmake --build "$d/build" > "$d/build.log"
printf 'x,y\n1,2\n3,4.5\n' > "$d/t.csv"
out=$("$d/build/consumer" "$d/t.csv")
echo "$out"
[[ "$out" == *"read 2 rows, sum(y) = 6.5"* ]]
"$d/prefix/bin/matscreen" version | grep -q "matscreen  "
echo "find_package consumer ok"
