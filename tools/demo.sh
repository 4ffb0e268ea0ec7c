#!/usr/bin/env bash
# The main job: build ncp and start children through it, printing what
# happens. Run from anywhere; needs tools/setup.sh to have run.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== building ncp (first build takes a minute) =="
bazel build -c opt //tools:ncp //tools/demo:all 2>&1 | tail -1
ncp=bazel-bin/tools/ncp
lib=$(pwd)/bazel-bin/tools/demo/libncp_demo.so
service=$(pwd)/bazel-bin/tools/demo/libncp_demo_service.so
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { printf '\n== %s ==\n$ %s\n' "$1" "${*:2}"; }

step "a child that receives params and a named fd" \
  ncp start --param "hello from the demo" --fd log="$work/log.txt" "$lib:Hello"
"$ncp" start --param "hello from the demo" --fd log="$work/log.txt" "$lib:Hello"
echo "the parent reads back what the child wrote through the fd:"
sed 's/^/  /' "$work/log.txt"

step "a child with a custom process name" \
  ncp start --name demo_worker "$lib:Hello"
"$ncp" start --name demo_worker "$lib:Hello"

step "a child that crashes (the exit callback reports signal 11)" \
  ncp start "$lib:Crash"
"$ncp" start "$lib:Crash" || echo "(ncp exited with $?)"

step "an isolated child: its own namespaces, no network, private files" \
  ncp start --isolated "$lib:Inspect"
"$ncp" start --isolated "$lib:Inspect" || echo "(ncp exited with $?)"

step "an IPC child (Create*): the parent gets a proxy to its stub and calls it" \
  ncp create --call 1 --int 123 --int 456 --call 2 --string demo --reply string \
  --call 3 libncp_demo_service.so
"$ncp" create --call 1 --int 123 --int 456 --call 2 --string demo --reply string \
  --call 3 "$service"

step "the same IPC child, isolated, with a uid of its own" \
  ncp create --isolated --isolation-uid --call 2 --string sandbox --reply string \
  --call 3 libncp_demo_service.so
"$ncp" create --isolated --isolation-uid --call 2 --string sandbox --reply string \
  --call 3 "$service" || echo "(ncp exited with $?)"

step "a library that does not exist (the child reports it and exits 127)" \
  ncp start libdoes_not_exist.so:Main
"$ncp" start libdoes_not_exist.so:Main || echo "(ncp exited with $?)"
echo
echo "demo done"
