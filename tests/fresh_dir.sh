#!/usr/bin/env bash
# Run a test in an empty directory of its own (tests/fresh_dir.sh DIR command...): a file an
# earlier run or another test left behind can then never satisfy a check, and two tests never
# share a working directory. CTest runs every test through this (tests/CMakeLists.txt).
set -e
dir=$1
shift
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
exec "$@"
