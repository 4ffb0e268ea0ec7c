#!/usr/bin/env bash
# Builds the release tarball (run by //tools:release; no network).
#
#   make_release.sh OUT.tar.gz VERSION LICENSE README.in \
#     [--lib FILE]... [--lib-as NAME FILE]... [--header FILE]... \
#     [--template FILE.in]... [--sanitized]
#
# Layout (paths inside the tarball, no leading directory):
#   VERSION LICENSE README.md
#   lib/*.so lib/*.a
#   include/<each header's path below its include/ directory (or below
#           Bazel's _virtual_includes/<target>/)>
#   lib/pkgconfig/*.pc              from *.pc.in
#   lib/cmake/ncp/*.cmake           from *.cmake.in
# @VERSION@ in templates becomes the version; @RUNTIME_DEPS@ in the README
# becomes the dependency table read from the libraries with readelf. A
# dependency outside glibc, libgcc, libstdc++, libseccomp, libcap and
# abseil fails the build (--sanitized, given by sanitizer builds, also
# allows the sanitizer runtimes).
#
# Reproducible: fixed owner, group, mode and mtime, names sorted, gzip -n.
set -euo pipefail
export LC_ALL=C

out=$1 version_file=$2 license=$3 readme=$4
shift 4
version=$(tr -d '[:space:]' <"$version_file")
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || {
  echo "make_release: bad version '$version'" >&2
  exit 1
}

stage="$out.stage"
rm -rf "$stage"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib/pkgconfig" "$stage/lib/cmake/ncp" "$stage/include"

subst() { sed -e "s/@VERSION@/$version/g" "$1"; }
sanitized=0

while [ $# -gt 0 ]; do
  kind=$1
  if [ "$kind" = --sanitized ]; then
    sanitized=1
    shift
    continue
  fi
  name=""
  if [ "$kind" = --lib-as ]; then
    name=$2
    shift
  fi
  file=$2
  shift 2
  case $kind in
    --lib | --lib-as)
      mode=0644
      [[ $file == *.so ]] && mode=0755
      install -m "$mode" "$file" "$stage/lib/${name:-$(basename "$file")}"
      ;;
    --header)
      # strip_include_prefix'ed headers come as Bazel's virtual includes.
      if [[ $file == */_virtual_includes/* ]]; then
        rel=${file#*/_virtual_includes/*/}
      else
        rel=${file##*/include/}
      fi
      [ "$rel" != "$file" ] || {
        echo "make_release: $file is not under an include/ directory" >&2
        exit 1
      }
      install -D -m 0644 "$file" "$stage/include/$rel"
      ;;
    --template)
      name=$(basename "$file" .in)
      case $name in
        *.pc) dest="$stage/lib/pkgconfig/$name" ;;
        *.cmake) dest="$stage/lib/cmake/ncp/$name" ;;
        *)
          echo "make_release: unknown template $file" >&2
          exit 1
          ;;
      esac
      subst "$file" >"$dest"
      chmod 0644 "$dest"
      ;;
    *)
      echo "make_release: unknown argument $kind" >&2
      exit 1
      ;;
  esac
done

# Runtime dependencies, exactly as the dynamic sections say.
package_of() {
  case $1 in
    libc.so.6 | libm.so.6 | ld-linux-x86-64.so.2 | libpthread.so.0 | libdl.so.2 | librt.so.1)
      echo libc6
      ;;
    libgcc_s.so.1) echo libgcc-s1 ;;
    libstdc++.so.6) echo libstdc++6 ;;
    libseccomp.so.2) echo libseccomp2 ;;
    libcap.so.2) echo libcap2 ;;
    libabsl_*.so.20220623) echo libabsl20220623 ;;
    libasan.so.* | libubsan.so.* | libtsan.so.*)
      [ "$sanitized" = 1 ] || return 1
      echo "the compiler's sanitizer runtime (a sanitizer build: not for release)"
      ;;
    *) return 1 ;;
  esac
}
deps_table="| library | needs (DT_NEEDED) | from |
|---|---|---|"
packages=""
for so in "$stage"/lib/*.so; do
  lib=$(basename "$so")
  for needed in $(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    if [ -e "$stage/lib/$needed" ]; then
      from="this release"
    elif from=$(package_of "$needed"); then
      packages="$packages $from"
    else
      echo "make_release: $lib needs $needed, which is not an allowed runtime dependency" >&2
      exit 1
    fi
    deps_table="$deps_table
| \`$lib\` | \`$needed\` | $from |"
  done
done
packages=$(echo "$packages" | tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ')
deps_text="$deps_table

Debian packages: \`${packages% }\` (with what they need in turn:
\`libgcc-s1\`, and \`libm\` of \`libc6\`). Nothing else is loaded: a child
process loads only \`libc\`, \`libipc_capi.so\` (passed to it by the parent)
and the child library; the child runtime is embedded in
\`libchild_process.so\`."
subst "$readme" | awk -v deps="$deps_text" '{ if ($0 == "@RUNTIME_DEPS@") print deps; else print }' >"$stage/README.md"
echo "$version" >"$stage/VERSION"
install -m 0644 "$license" "$stage/LICENSE"
chmod 0644 "$stage/README.md" "$stage/VERSION"
find "$stage" -type d -exec chmod 0755 {} +

# 2025-01-01T00:00:00Z: a fixed time keeps the archive byte-for-byte stable.
tar -C "$stage" --sort=name --format=gnu --owner=0 --group=0 --numeric-owner \
  --mtime=@1735689600 -cf - $(cd "$stage" && ls) | gzip -9 -n >"$out"
