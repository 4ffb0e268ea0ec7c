#!/bin/bash
# Builds the parcel API fuzzer with clang (libFuzzer + ASan + UBSan) and
# runs it. Usage (from anywhere in the repository):
#   ipc/fuzz/run_parcel_fuzzer.sh [libFuzzer flags...]
# Default: -runs=1000000 over a corpus seeded with call sequences. The
# binary and corpus live in ${NCP_FUZZ_DIR:-/tmp/ncp_parcel_fuzz}.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${NCP_FUZZ_DIR:-/tmp/ncp_parcel_fuzz}"
mkdir -p "$out/corpus"
cxx="${CXX_FUZZ:-clang++}"
srcs=(
  ipc/wire.cc ipc/parcel.cc ipc/object.cc ipc/runtime.cc ipc/utf.cc
  ipc/bridge_impl.cc ipc/capi_parcel.cc ipc/capi_remote_object.cc
  ipc/capi_skeleton.cc
)
flags=(-std=c++17 -g -O1 -fno-exceptions -fno-sanitize-recover=undefined
  -I. -Iipc/include -pthread)
# The library with coverage feedback; the harness (its reference model
# loops over big strings) without, which makes it several times faster.
(cd "$root" &&
  "$cxx" "${flags[@]}" -fsanitize=address,undefined \
    -c ipc/fuzz/parcel_fuzzer.cc -o "$out/parcel_fuzzer.o" &&
  "$cxx" "${flags[@]}" -fsanitize=fuzzer,address,undefined \
    "${srcs[@]}" "$out/parcel_fuzzer.o" -o "$out/parcel_fuzzer")

# Seeds: byte strings read by FuzzedDataProvider. Each op is (parcel
# selector, op number, arguments); the numbers mean little once mutated, so
# the seeds are just varied random strings of several lengths.
python3 - "$out/corpus" <<'PY'
import os, random, sys
d = sys.argv[1]
rng = random.Random(20261128)
for n in (16, 64, 256, 1024, 4096):
    for k in range(4):
        with open(os.path.join(d, 'seed_%d_%d' % (n, k)), 'wb') as f:
            f.write(bytes(rng.randrange(256) for _ in range(n)))
PY

cd "$out"
if [ "$#" -eq 0 ]; then set -- -runs=1000000; fi
exec ./parcel_fuzzer "$@" corpus
