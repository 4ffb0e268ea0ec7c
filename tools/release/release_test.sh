#!/usr/bin/env bash
# The release tarball, as a user gets it: unpack it into a fresh prefix,
# check what is in it, then build the consumer (an app and two child
# libraries, tools/release/consumer/) outside Bazel, twice:
#   1. g++/gcc + pkg-config, PKG_CONFIG_PATH=<prefix>/lib/pkgconfig;
#   2. CMake find_package(ncp), after moving the prefix elsewhere
#      (relocatable).
# Each build runs the app, which starts one child of each flavour and checks
# what comes back. The app finds libchild_process.so through its RUNPATH
# (pkg-config: -Wl,-rpath,$libdir; CMake: the build tree's RUNPATH of
# imported libraries); nothing sets LD_LIBRARY_PATH.
# shellcheck disable=SC2016  # bash -c bodies expand their own "$0" "$1"
set -euo pipefail
export LC_ALL=C
if [ "${1:-}" = --sanitized ]; then
  echo "SKIPPED: a sanitizer build; the release and its consumers are tested in plain builds"
  exit 0
fi
unset LD_LIBRARY_PATH

tarball=$(realpath tools/release.tar.gz)
sources=$(realpath tools/release/consumer)
work=$TEST_TMPDIR/work
rm -rf "$work"
mkdir -p "$work"
fail=0
not() { ! "$@"; }
must() {  # must COMMAND...: a build step; its failure ends the test
  "$@" || {
    echo "FAIL: $*"
    exit 1
  }
}
check() {  # check DESCRIPTION COMMAND...
  if "${@:2}"; then
    echo "ok: $1"
  else
    echo "FAIL: $1"
    fail=1
  fi
}

# --- the archive itself ---------------------------------------------------
listing=$(tar -tzf "$tarball")
for path in VERSION LICENSE README.md lib/libchild_process.so lib/libipc_capi.so \
  lib/libncp_hilog.a include/AbilityKit/native_child_process.h \
  include/IPCKit/ipc_kit.h include/IPCKit/ipc_cparcel.h include/ncp/child_exit.h \
  include/ncp/sandbox.h include/hilog/log.h lib/pkgconfig/ncp-child-process.pc \
  lib/pkgconfig/ncp-ipc-capi.pc lib/pkgconfig/ncp-hilog.pc \
  lib/cmake/ncp/ncpConfig.cmake lib/cmake/ncp/ncpConfigVersion.cmake; do
  check "archive has $path" grep -qx "$path" <<<"$listing"
done
check "no leading ./ or absolute names" bash -c '! grep -qE "^(\./|/)" <<<"$0"' "$listing"
verbose=$(tar -tvzf "$tarball")
check "every entry owned by 0/0" bash -c '! grep -vqE "^[-dl][rwx-]{9} 0/0 " <<<"$0"' "$verbose"
check "every mtime is 2025-01-01" bash -c '! grep -vq " 2025-01-01 00:00 " <<<"$0"' \
  "$(TZ=UTC tar -tvzf "$tarball")"
check "names are sorted (per directory)" bash -c \
  'diff <(echo "$0") <(echo "$0" | sort) >/dev/null' "$(grep -v / <<<"$listing")"

prefix=$work/prefix
mkdir -p "$prefix"
tar -C "$prefix" -xzf "$tarball"
version=$(cat "$prefix/VERSION")
check "VERSION is x.y.z" grep -qE '^[0-9]+\.[0-9]+\.[0-9]+$' "$prefix/VERSION"
check "LICENSE is Apache-2.0" grep -q "Apache License" "$prefix/LICENSE"
check "no build-machine path in text files" bash -c \
  '! grep -rlE "bazel-out|execroot|_bazel_|/work/|/home/|/root/" "$0/lib/pkgconfig" "$0/lib/cmake" "$0/README.md"' \
  "$prefix"

# Runtime dependencies: only what the release README allows, all resolvable.
allowed='^(libc\.so\.6|libm\.so\.6|ld-linux-x86-64\.so\.2|libgcc_s\.so\.1|libstdc\+\+\.so\.6|libseccomp\.so\.2|libcap\.so\.2|libabsl_[a-z0-9_]+\.so\.20220623|libipc_capi\.so|linux-vdso\.so\.1)$'
for so in "$prefix"/lib/*.so; do
  needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  for lib in $needed; do
    check "$(basename "$so") needs $lib (allowed)" grep -qE "$allowed" <<<"$lib"
    check "README lists $(basename "$so") -> $lib" \
      grep -qF "| \`$(basename "$so")\` | \`$lib\` |" "$prefix/README.md"
  done
  resolved=$(ldd "$so")
  check "$(basename "$so"): every dependency resolves" bash -c '! grep -q "not found" <<<"$0"' "$resolved"
  for lib in $(awk '{print $1}' <<<"$resolved"); do
    lib=$(basename "$lib")
    check "$(basename "$so") loads $lib (allowed)" grep -qE "$allowed" <<<"$lib"
  done
done
check "libipc_capi.so needs only glibc" bash -c \
  '[ "$(readelf -d "$0" | grep -c NEEDED)" = "$(readelf -d "$0" | grep NEEDED | grep -cE "libc\.so|ld-linux")" ]' \
  "$prefix/lib/libipc_capi.so"
check "libchild_process.so: RUNPATH is \$ORIGIN" bash -c \
  'readelf -d "$0" | grep -q "RUNPATH.*\[\$ORIGIN\]"' "$prefix/lib/libchild_process.so"

# --- 1. g++ + pkg-config -------------------------------------------------
build=$work/pkgconfig
mkdir -p "$build"
cp "$sources"/*.c "$sources"/*.cc "$build/"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
check "pkg-config knows ncp-child-process $version" \
  test "$(pkg-config --modversion ncp-child-process)" = "$version"
check "pkg-config: ncp-child-process requires ncp-ipc-capi" \
  bash -c 'pkg-config --libs ncp-child-process | grep -q -- -lipc_capi'
libdir=$(pkg-config --variable=libdir ncp-child-process)
check "pkg-config libdir is the prefix's" test "$(realpath "$libdir")" = "$(realpath "$prefix/lib")"
warn=(-Wall -Wextra -Werror)
# shellcheck disable=SC2046  # pkg-config output is meant to split
must g++ -std=c++17 "${warn[@]}" "$build/app.cc" -o "$build/app" \
  $(pkg-config --cflags --libs ncp-child-process ncp-hilog) -Wl,-rpath,"$libdir" -pthread
must gcc -std=c99 "${warn[@]}" -shared -fPIC "$build/args_child.c" -o "$build/libargs_child.so" \
  $(pkg-config --cflags --libs ncp-child-process ncp-hilog)
must gcc -std=c99 "${warn[@]}" -shared -fPIC "$build/ipc_child.c" -o "$build/libipc_child.so" \
  $(pkg-config --cflags --libs ncp-ipc-capi ncp-hilog) -pthread
echo "ok: built with pkg-config"
check "app's RUNPATH points into the prefix" bash -c \
  'readelf -d "$0/app" | grep -q "R.*PATH.*\[$1\]"' "$build" "$libdir"
check "C child libraries need no libstdc++ (hilog is plain C to link)" bash -c \
  '! readelf -d "$0/libipc_child.so" "$0/libargs_child.so" | grep -q "libstdc++"' "$build"
out=$("$build/app" 2>"$work/pkgconfig.stderr") || true
echo "$out"
check "pkg-config app: all checks hold" grep -qx "release consumer: ok" <<<"$out"
check "hilog line from the app" grep -q " I A00C00/ReleaseApp: starting both flavours$" "$work/pkgconfig.stderr"
check "hilog line from the Start child, private hidden" \
  grep -qE " I A00C01/ArgsChild: child [0-9]+ got params <private>$" "$work/pkgconfig.stderr"
check "hilog line from the Create child" grep -qE " I A00C02/IpcChild: request 1 from pid [0-9]+$" \
  "$work/pkgconfig.stderr"

# --- 2. CMake find_package, from a moved prefix ---------------------------
moved=$work/elsewhere/ncp-$version
mkdir -p "$(dirname "$moved")"
mv "$prefix" "$moved"
unset PKG_CONFIG_PATH
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake_log=$work/cmake.log
if cmake -S "$sources" -B "$work/cmake" "${generator[@]}" -DCMAKE_PREFIX_PATH="$moved" \
  -DCMAKE_BUILD_TYPE=Release >"$cmake_log" 2>&1 &&
  cmake --build "$work/cmake" >>"$cmake_log" 2>&1; then
  echo "ok: built with CMake"
else
  cat "$cmake_log"
  echo "FAIL: build with CMake"
  exit 1
fi
out=$("$work/cmake/app" 2>"$work/cmake.stderr") || true
echo "$out"
check "CMake app: all checks hold" grep -qx "release consumer: ok" <<<"$out"
check "CMake app's RUNPATH points into the moved prefix" bash -c \
  'readelf -d "$0/app" | grep -q "R.*PATH.*$1/lib"' "$work/cmake" "$moved"

# find_package's version check: same major (and minor while 0.x), not newer.
probe=$work/probe
mkdir -p "$probe"
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
version_ok() {  # version_ok REQUEST -> cmake's verdict (0 found)
  printf 'cmake_minimum_required(VERSION 3.13)\nproject(p NONE)\nfind_package(ncp %s REQUIRED)\n' "$1" \
    >"$probe/CMakeLists.txt"
  rm -rf "$probe/build"
  cmake -S "$probe" -B "$probe/build" -DCMAKE_PREFIX_PATH="$moved" >/dev/null 2>&1
}
check "find_package(ncp $major.$minor) is met" version_ok "$major.$minor"
check "find_package(ncp $major.$((minor + 1))) is not" not version_ok "$major.$((minor + 1))"
check "find_package(ncp $((major + 1)).0) is not" not version_ok "$((major + 1)).0"

exit $fail
