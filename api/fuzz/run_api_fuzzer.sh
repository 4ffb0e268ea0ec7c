#!/bin/bash
# Builds the C API argument fuzzer with clang (libFuzzer + ASan + UBSan)
# straight from the sources, and runs it. Usage (from anywhere in the
# repository):
#   api/fuzz/run_api_fuzzer.sh [libFuzzer flags...]
# Default: -runs=1000000 over a small seed corpus. The binary and corpus live
# in ${NCP_FUZZ_DIR:-/tmp/ncp_api_fuzz}. Needs Debian's libabsl-dev and
# libseccomp-dev (as the Bazel build does). No child process is ever started
# (see api_fuzzer.cc), so the embedded trampoline is a stub.
set -euo pipefail
source "$(dirname "$0")/../../tools/fuzz/common.sh"
fuzz_setup api
mkdir -p "$out/obj"
# libchild_process.so's parent side (//api:capi and its dependencies) and
# the IPC runtime it links.
srcs=(
  api/app_context.cc api/bootstrap.cc api/child_runtime.cc
  api/configs_capi.cc api/create_session.cc api/error_mapping.cc
  api/exit_names.cc api/launcher.cc api/spawn_trace.cc api/native_child_process.cc
  api/validation.cc api/zygote_protocol.cc api/fuzz/trampoline_stub.cc
  base/errno_status.cc base/real_path.cc
  isolation/isolation.cc isolation/mount_plan.cc isolation/sandbox_paths.cc
  isolation/seccomp_policy.cc
  spawner/plan_codec.cc spawner/spawner.cc spawner/supervisor.cc
  "${fuzz_ipc_srcs[@]}"
)
flags=("${fuzz_flags[@]}" -Iapi/include)
absl="$(pkg-config --libs absl_status absl_statusor absl_strings absl_cord \
  absl_time absl_flat_hash_map absl_str_format)"
cd "$root"
# The code that runs in a freshly cloned child is built without sanitizers,
# as in spawner/BUILD.bazel; the harness without coverage feedback (its
# model's loops only slow the search down).
"$cxx" "${flags[@]}" -fno-stack-protector -fno-builtin \
  -c spawner/child_setup.cc -o "$out/obj/child_setup.o"
for s in clone3_x86_64 clone_x86_64; do
  "$cxx" -c "spawner/$s.S" -o "$out/obj/$s.o"
done
"$cxx" "${flags[@]}" -fsanitize=address,undefined \
  -c api/fuzz/api_fuzzer.cc -o "$out/obj/api_fuzzer.o"
"${cxx%++}" -x c -std=c99 -g -O1 -fsanitize=address,undefined \
  -fno-sanitize-recover=undefined -Iapi/include -Iipc/include \
  -c api/fuzz/c_callers.c -o "$out/obj/c_callers.o"
"$cxx" "${flags[@]}" -fsanitize=fuzzer,address,undefined "${srcs[@]}" \
  "$out"/obj/*.o $absl -lseccomp -ldl -o "$out/api_fuzzer"

# Seeds: varied byte strings (FuzzedDataProvider reads them as choices).
fuzz_random_seeds 8 32 128 512 2048
fuzz_run api_fuzzer "$@"
