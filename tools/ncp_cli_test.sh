#!/usr/bin/env bash
# The ncp tool end to end: usage errors, a child that returns, one that
# crashes, fds and params reaching the child.
set -u
ncp=tools/ncp
lib=$(realpath tools/demo/libncp_demo.so)
fail=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
  if [ "$2" != "$3" ]; then
    echo "FAIL: $1: expected [$2], got [$3]"
    fail=1
  else
    echo "ok: $1"
  fi
}

$ncp >/dev/null 2>&1; check "no arguments is a usage error" 2 $?
$ncp start >/dev/null 2>&1; check "start without entry is a usage error" 2 $?
$ncp start --bogus x:y >/dev/null 2>&1; check "unknown option" 2 $?
$ncp start --help | grep -q "LIBRARY:ENTRY"; check "help text" 0 $?
$ncp start --name "bad name" "$lib:Hello" >/dev/null 2>&1; check "bad name" 2 $?
$ncp start "no_colon" >/dev/null 2>&1; check "entry without colon" 3 $?

log="$TEST_TMPDIR/log.txt"
out=$($ncp start --param "hi there" --fd "log=$log" --name demo_1 "$lib:Hello")
check "Hello exits 0" 0 $?
echo "$out" | grep -q 'entryParams: "hi there"'; check "params reach the child" 0 $?
echo "$out" | grep -q 'fd "log" is'; check "fd reaches the child" 0 $?
grep -q "hello from child" "$log"; check "child wrote through the fd" 0 $?
echo "$out" | grep -Eq "^pid [0-9]+ exited with status 0"; check "end is reported" 0 $?

out=$($ncp start "$lib:Crash" 2>&1); check "crash ends with SIGSEGV" 11 $?
echo "$out" | grep -q "killed by signal 11"; check "crash is described" 0 $?
service=$(realpath tools/demo/libncp_demo_service.so)
out=$($ncp create --call 1 --int 123 --int 456 --call 2 --string cli --reply string \
  --call 3 "$service")
check "create exits 0" 0 $?
echo "$out" | grep -q "call 1(123, 456) -> 579"; check "create calls the stub" 0 $?
echo "$out" | grep -q 'hello cli from pid'; check "string reply" 0 $?
$ncp create fake_library.so >/dev/null 2>&1; check "create of a missing library" 3 $?
$ncp create --int 1 "$service" >/dev/null 2>&1; check "--int before --call" 2 $?
exit $fail
