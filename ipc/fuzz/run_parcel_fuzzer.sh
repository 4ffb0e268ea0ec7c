#!/bin/bash
# Builds the parcel API fuzzer with clang (libFuzzer + ASan + UBSan) and
# runs it. Usage (from anywhere in the repository):
#   ipc/fuzz/run_parcel_fuzzer.sh [libFuzzer flags...]
# Default: -runs=1000000 over a corpus seeded with call sequences. The
# binary and corpus live in ${NCP_FUZZ_DIR:-/tmp/ncp_parcel_fuzz}.
set -euo pipefail
source "$(dirname "$0")/../../tools/fuzz/common.sh"
fuzz_setup parcel
# The library with coverage feedback; the harness (its reference model
# loops over big strings) without, which makes it several times faster.
(cd "$root" &&
  "$cxx" "${fuzz_flags[@]}" -fsanitize=address,undefined \
    -c ipc/fuzz/parcel_fuzzer.cc -o "$out/parcel_fuzzer.o" &&
  "$cxx" "${fuzz_flags[@]}" -fsanitize=fuzzer,address,undefined \
    "${fuzz_ipc_srcs[@]}" "$out/parcel_fuzzer.o" -o "$out/parcel_fuzzer")

# Seeds: byte strings read by FuzzedDataProvider. Each op is (parcel
# selector, op number, arguments); the numbers mean little once mutated, so
# the seeds are just varied random strings of several lengths.
fuzz_random_seeds 16 64 256 1024 4096
fuzz_run parcel_fuzzer "$@"
