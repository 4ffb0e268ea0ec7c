# Shared by the fuzz scripts (ipc/fuzz/run_fuzzer.sh,
# ipc/fuzz/run_parcel_fuzzer.sh, api/fuzz/run_api_fuzzer.sh); sourced, not
# run. Each script builds its fuzzer with clang (libFuzzer + ASan + UBSan)
# straight from the sources and runs it over a seeded corpus.

# fuzz_setup NAME: $root (the repository), $out (the binary and corpus:
# ${NCP_FUZZ_DIR:-/tmp/ncp_NAME_fuzz}) and $cxx (${CXX_FUZZ:-clang++}).
fuzz_setup() {
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  out="${NCP_FUZZ_DIR:-/tmp/ncp_$1_fuzz}"
  mkdir -p "$out/corpus"
  cxx="${CXX_FUZZ:-clang++}"
}

# Compiler flags every fuzzer build uses (sanitizers are added per step).
fuzz_flags=(-std=c++17 -g -O1 -fno-exceptions -fno-sanitize-recover=undefined
  -I. -Iipc/include -pthread)

# The IPC runtime and its C API (libipc_capi.so's sources).
fuzz_ipc_srcs=(
  ipc/wire.cc ipc/parcel.cc ipc/object.cc ipc/runtime.cc ipc/utf.cc
  ipc/bridge_impl.cc ipc/capi_parcel.cc ipc/capi_remote_object.cc
  ipc/capi_skeleton.cc
)

# fuzz_random_seeds SIZE...: four random byte strings of each SIZE in the
# corpus (for harnesses that read their input with FuzzedDataProvider,
# where the bytes mean little once mutated). Fixed seed: reproducible.
fuzz_random_seeds() {
  python3 - "$out/corpus" "$@" <<'PY'
import os, random, sys
d = sys.argv[1]
rng = random.Random(20261128)
for n in map(int, sys.argv[2:]):
    for k in range(4):
        with open(os.path.join(d, 'seed_%d_%d' % (n, k)), 'wb') as f:
            f.write(bytes(rng.randrange(256) for _ in range(n)))
PY
}

# fuzz_run BINARY [libFuzzer flags...]: runs $out/BINARY over the corpus;
# without flags, -runs=1000000.
fuzz_run() {
  local binary="$1"
  shift
  cd "$out"
  if [ "$#" -eq 0 ]; then set -- -runs=1000000; fi
  exec "./$binary" "$@" corpus
}
