#!/usr/bin/env bash
# The OpenHarmony-guide example end to end: the app exits 0 and the main
# process and both children logged through <hilog/log.h> (stderr).
set -u
log=$TEST_TMPDIR/stderr.txt
examples/oh_guide/oh_guide_app 2>"$log"
status=$?
cat "$log"
fail=0
expect() {  # expect REGEX: a line of the log matches
  if grep -qE -- "$1" "$log"; then
    echo "ok: $1"
  else
    echo "FAIL: no line matches: $1"
    fail=1
  fi
}
[ "$status" -eq 0 ] && echo "ok: the app exits 0" || {
  echo "FAIL: the app exited $status"
  fail=1
}
expect ' I A00201/ArgsChild: Main: entryParams=job=thumbnails$'
expect ' I A00201/ArgsChild: Main: reported [0-9]+ bytes, config <private>$'
expect ' I A00200/MainProcess: the child reported: params=job=thumbnails config=threads=4 args_again=yes$'
expect ' I A00200/MainProcess: exit callback: pid [0-9]+, 0$'
expect ' I A00202/IpcChild: OnConnect in pid [0-9]+$'
expect ' I A00202/IpcChild: Add\(20, 22\) from pid [0-9]+$'
expect ' I A00200/MainProcess: Add\(20, 22\) = 42, Echo = [0-9]+: ping$'
expect ' I A00202/IpcChild: MainProc: returning, the child exits$'
expect ' W A00200/MainProcess: death recipient: the IPC child is gone$'
expect ' I A00200/MainProcess: Start\* flavour: ok$'
expect ' I A00200/MainProcess: Create\* flavour: ok$'
exit $fail
