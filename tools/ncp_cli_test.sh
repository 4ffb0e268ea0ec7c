#!/usr/bin/env bash
# The ncp tool end to end: help, usage errors, exit statuses, both flavours,
# fds and params reaching the child, --json events, the sandbox options.
set -u
# In sanitizer builds an instrumented IPC child may end with the sanitizer's
# own status (LeakSanitizer at exit): its exit code is not checked there.
ipc_exit_code=0
[ "${1:-}" = --sanitized ] && ipc_exit_code='[0-9]+'
ncp=tools/ncp
lib=$(realpath tools/demo/libncp_demo.so)
service=$(realpath tools/demo/libncp_demo_service.so)
child=$(realpath tools/libncp_cli_test_child.so)
fail=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
  if [ "$2" != "$3" ]; then
    echo "FAIL: $1: expected [$2], got [$3]"
    fail=1
  else
    echo "ok: $1"
  fi
}
matches() {  # matches DESCRIPTION REGEX TEXT: some line of TEXT matches
  if grep -Eq -- "$2" <<<"$3"; then
    echo "ok: $1"
  else
    echo "FAIL: $1: no line matches [$2] in:"
    echo "$3" | sed 's/^/    /'
    fail=1
  fi
}

# --- help and usage errors (exit 2) ---------------------------------------
$ncp >/dev/null 2>&1; check "no arguments is a usage error" 2 $?
out=$($ncp help); check "ncp help exits 0" 0 $?
matches "help lists start" '^  start LIBRARY:ENTRY' "$out"
matches "help lists create" '^  create LIBRARY' "$out"
matches "help documents exit statuses" '^exit status:' "$out"
check "ncp --help is ncp help" "$out" "$($ncp --help)"
out=$($ncp start --help); check "start --help exits 0" 0 $?
matches "start help shows the synopsis" 'LIBRARY:ENTRY' "$out"
for flag in --param --fd --name --isolated --isolation-uid --ro --rw --data-dir --json; do
  matches "start help documents $flag" "^  $flag( |$)" "$out"
done
matches "start help documents exit statuses" '128 \+ N' "$out"
check "ncp help start is start --help" "$out" "$($ncp help start)"
out=$($ncp create --help); check "create --help exits 0" 0 $?
for flag in --call --int --string --reply --wait --isolated --ro --json; do
  matches "create help documents $flag" "^  $flag( |$)" "$out"
done
check "ncp help create is create --help" "$out" "$($ncp help create)"
$ncp help bogus >/dev/null 2>&1; check "help of an unknown command" 2 $?
$ncp bogus >/dev/null 2>&1; check "unknown command" 2 $?
check "version" "ncp $(tr -d '[:space:]' <tools/release/VERSION)" "$($ncp version)"
$ncp start >/dev/null 2>&1; check "start without entry is a usage error" 2 $?
$ncp start --bogus x:y >/dev/null 2>&1; check "unknown option" 2 $?
$ncp start --name "bad name" "$lib:Hello" >/dev/null 2>&1; check "bad name" 2 $?
$ncp start --fd nameonly "$lib:Hello" >/dev/null 2>&1; check "--fd without =" 2 $?
$ncp start --param >/dev/null 2>&1; check "option without its value" 2 $?
$ncp create --int 1 "$service" >/dev/null 2>&1; check "--int before --call" 2 $?
$ncp create --call 1 --int x "$service" >/dev/null 2>&1; check "--int not a number" 2 $?
$ncp create --call 0 "$service" >/dev/null 2>&1; check "--call 0 is out of range" 2 $?
$ncp create --call 1 --reply float "$service" >/dev/null 2>&1; check "--reply float" 2 $?

# --- start: params, fds, exit statuses ------------------------------------
log="$TEST_TMPDIR/log.txt"
out=$($ncp start --param "hi there" --fd "log=$log" --name demo_1 "$lib:Hello")
check "Hello exits 0" 0 $?
matches "params reach the child" 'entryParams: "hi there"' "$out"
matches "fd reaches the child" 'fd "log" is' "$out"
grep -q "hello from child" "$log"; check "child wrote through the fd" 0 $?
matches "end is reported" "^pid [0-9]+ exited with status 0$" "$out"
$ncp start --param 7 "$child:Exit" >/dev/null; check "the child's exit status is ncp's" 7 $?
out=$($ncp start "$lib:Crash" 2>&1); check "killed by SIGSEGV: 128 + 11" 139 $?
matches "crash is described" "killed by signal 11" "$out"
$ncp start "no_colon" >/dev/null 2>&1; check "entry without colon: start fails" 3 $?
$ncp start libdoes_not_exist.so:Main >/dev/null 2>&1
check "missing library: the child exits 127" 127 $?

# --- create: calls, replies, exit statuses --------------------------------
out=$($ncp create --call 1 --int 123 --int 456 --call 2 --string cli --reply string \
  --call 3 "$service")
check "create exits 0" 0 $?
matches "create calls the stub" "^call 1\(123, 456\) -> 579$" "$out"
matches "string reply" 'hello cli from pid' "$out"
out=$($ncp create --call 99 "$service"); check "a failing call: exit 1" 1 $?
matches "the IPC error is named" "^call 99\(\) -> error 1901004 \(OH_IPC_CODE_OUT_OF_RANGE\)$" "$out"
$ncp create fake_library.so >/dev/null 2>&1; check "create of a missing library" 3 $?

# --- --json ---------------------------------------------------------------
out=$($ncp start --json --param 5 --name json_1 "$child:Exit")
check "start --json exits with the child's status" 5 $?
pid_re='"pid":[1-9][0-9]*'
matches "json: started event" "^\{\"event\":\"started\",\"isolated\":false,\"name\":\"json_1\",$pid_re,\"entry\":\"[^\"]+:Exit\",\"flavour\":\"start\"\}$" "$out"
matches "json: ended event" "^\{\"event\":\"ended\",$pid_re,\"kind\":\"exited\",\"ipc\":false,\"isolated\":false,\"exit_code\":5,\"status\":5\}$" "$out"
check "json: exactly two lines" 2 "$(wc -l <<<"$out")"
out=$($ncp start --json "$lib:Crash" 2>/dev/null)
matches "json: killed" '"kind":"killed",.*"signal":11,"signal_name":"SIGSEGV","core_dumped":false,"status":139\}$' "$out"
out=$($ncp start --json --param "child output" "$lib:Hello" 2>"$TEST_TMPDIR/stderr.txt")
check "json: stdout has only JSON lines (child output goes to stderr)" "" \
  "$(grep -v '^{.*}$' <<<"$out")"
grep -q 'entryParams: "child output"' "$TEST_TMPDIR/stderr.txt"
check "json: the child's stdout is on stderr" 0 $?
out=$($ncp create --json --wait --call 1 --int 2 --int 3 --call 2 --string 'q"uote' \
  --reply string --call 1 --int 1 --int 1 --reply none --call 3 "$service")
check "create --json exits 0" 0 $?
matches "json: connected" '^\{"event":"connected","isolated":false,"library":"[^"]+","flavour":"create"\}$' "$out"
matches "json: int call" '^\{"event":"call","code":1,"args":\[2,3\],"ok":true,"reply":\[5\]\}$' "$out"
matches "json: string call, escaped" '^\{"event":"call","code":2,"args":\["q\\"uote"\],"ok":true,"reply":\["hello q\\"uote from pid [0-9]+ \(uid [0-9]+\)"\]\}$' "$out"
matches "json: reply none" '^\{"event":"call","code":1,"args":\[1,1\],"ok":true,"reply":\[\]\}$' "$out"
matches "json: --wait reports the end" "^\{\"event\":\"ended\",$pid_re,\"kind\":\"exited\",\"ipc\":true,\"isolated\":false,\"exit_code\":$ipc_exit_code,\"status\":0\}$" "$out"
out=$($ncp create --json --call 99 "$service")
matches "json: failed call" '^\{"event":"call","code":99,"args":\[\],"ok":false,"ipc_error":1901004,"error":"OH_IPC_CODE_OUT_OF_RANGE"\}$' "$out"
out=$($ncp start --json --bogus 2>/dev/null); check "json: usage error exits 2" 2 $?
matches "json: usage error event" '^\{"event":"error","kind":"usage","message":"unknown option --bogus"\}$' "$out"
out=$($ncp start --json no_colon 2>/dev/null)
matches "json: start error with its code" '^\{"event":"error","kind":"start","message":"[^"]*","code":401,"error":"NCP_ERR_INVALID_PARAM"\}$' "$out"
out=$($ncp create --json fake_library.so 2>/dev/null)
matches "json: connect error" '"kind":"connect",.*"code":16010007,"error":"NCP_ERR_LIB_LOADING_FAILED"\}$' "$out"
matches "json: version" '^\{"event":"version","version":"[0-9]+\.[0-9]+\.[0-9]+"\}$' "$($ncp version --json)"

# --- isolation and sandbox options ----------------------------------------
box=$TEST_TMPDIR/box
mkdir -p "$box/ro" "$box/rw" "$box/data"
echo visible >"$box/ro/file"
echo parent >"$box/data/parents-file"
$ncp start --ro "$box/ro" "$child:Exit" >/dev/null 2>&1
check "--ro without --isolated" 2 $?
$ncp start --isolated --ro relative/path "$child:Exit" >/dev/null 2>&1
check "--ro with a relative path" 2 $?
$ncp start --isolated --rw /usr "$child:Exit" >/dev/null 2>&1
check "--rw of a system directory" 2 $?
$ncp start --isolated --data-dir /etc "$child:Exit" >/dev/null 2>&1
check "--data-dir of a system directory" 2 $?
$ncp start --isolated --param "$box/ro/file" "$child:Hidden" >/dev/null
check "isolated: the app's files are hidden" 0 $?
out=$($ncp start --isolated --isolation-uid --ro "$box/ro" --rw "$box/rw" \
  --data-dir "$box/data" --param "$box/ro/file $box/rw $box/data" "$child:Sandbox")
check "isolated with --ro/--rw/--data-dir: every check holds" 0 $?
matches "isolated: started" '^started .* \(isolated\)$' "$out"
matches "sandbox: --ro file readable" "^sandbox: ok readable $box/ro/file$" "$out"
matches "sandbox: --ro file not writable" "^sandbox: ok not writable $box/ro/file$" "$out"
matches "sandbox: --rw dir writable" "^sandbox: ok writable $box/rw$" "$out"
matches "sandbox: --data-dir fresh and empty" "^sandbox: ok empty data dir $box/data$" "$out"
check "--rw: the write reached the app's directory" written "$(cat "$box/rw/from-child" 2>/dev/null)"
check "--data-dir: the child's data stayed private" 1 "$(ls "$box/data" | wc -l)"
out=$($ncp create --json --isolated --call 1 --int 20 --int 22 "$service")
matches "json: isolated create" '^\{"event":"connected","isolated":true,' "$out"
matches "json: isolated call" '"reply":\[42\]\}$' "$out"

# --- bench (a tiny run: the table's shape, not the numbers) ---------------
fixtures=$(realpath tools/bench)
$ncp bench --iterations x >/dev/null 2>&1; check "bench: bad count" 2 $?
$ncp bench --pinned-only --unpinned-only >/dev/null 2>&1
check "bench: no pass left" 2 $?
$ncp bench --fixtures /nonexistent --iterations 1 >/dev/null 2>&1
check "bench: fixtures missing" 3 $?
out=$($ncp bench --help); check "bench --help exits 0" 0 $?
for flag in --iterations --ipc-iterations --warmup --fixtures --json; do
  matches "bench help documents $flag" "^  $flag( |$)" "$out"
done
out=$($ncp bench --fixtures "$fixtures" --iterations 3 --ipc-iterations 20 \
  --warmup 0 --unpinned-only --no-capacity 2>/dev/null)
check "bench runs" 0 $?
for op in start_normal start_isolated 'create \(to proxy\)' posix_spawn.dlopen \
  'ipc 4 B round trip' 'ipc 200 KB round trip'; do
  matches "bench row: $op" "^\| $op +\| +[0-9.]+ \| +[0-9.]+ \|" "$out"
done
# A section shorter than a tick of /proc/stat (10 ms) has no steal figure.
matches "bench: host steal per section" '^host steal \(.*\): spawns ([0-9.]+%|unknown), ipc ([0-9.]+%|unknown)$' "$out"
matches "bench: stage breakdown" '^  start_isolated +\(n=3, [0-9]+ from spares\): prepare [0-9]+, clone' "$out"
out=$($ncp bench --json --fixtures "$fixtures" --iterations 2 --ipc-iterations 20 \
  --warmup 0 --pinned-only --no-capacity --no-stages 2>/dev/null)
check "bench --json runs" 0 $?
matches "bench --json: one report" '^\{"date":".*","passes":\[\{"name":"pinned \(cpu [0-9]+\)","rows":\[' "$out"
matches "bench --json: host steal" '"steal_percent":\{"spawns":([0-9.]+|null),"ipc":([0-9.]+|null)\},"stages"' "$out"

exit $fail
