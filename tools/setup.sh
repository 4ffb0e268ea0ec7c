#!/usr/bin/env bash
# Installs everything ncp's build, tests and demo need, from Debian's
# archive (and buildifier from npm when npm is there). Idempotent: installs
# only what is missing, with one `apt-get update` when something is.
set -euo pipefail

packages=(
  bazel-bootstrap bazel-rules-java   # Bazel 4.2.3, WORKSPACE mode
  g++ clang libclang-rt-14-dev       # compilers; clang for the fuzzers
  libabsl-dev googletest libgtest-dev libgmock-dev libbenchmark-dev
  libseccomp-dev libcap-dev
  clang-format
  bubblewrap iproute2                # isolation baselines and checks
  cmake make pkg-config              # release test: non-Bazel consumers
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

# buildifier (formatting of BUILD files) ships in an npm package. Optional:
# the build does not need it.
here=$(cd "$(dirname "$0")/.." && pwd)
if command -v npm >/dev/null 2>&1 && [ ! -x "$here/node_modules/.bin/buildifier" ]; then
  (cd "$here" && npm install --no-save --silent @bazel/buildifier >/dev/null 2>&1) ||
    echo "setup: buildifier not installed (npm registry unreachable?); optional"
fi
echo "setup: done"
