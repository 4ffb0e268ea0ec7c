#!/bin/bash
# Builds the wire/parcel fuzzer with clang (libFuzzer + ASan + UBSan) and
# runs it. Usage (from anywhere in the repository):
#   ipc/fuzz/run_fuzzer.sh [libFuzzer flags...]
# Default: -runs=1000000 over a corpus seeded with valid messages. The
# binary and corpus live in ${NCP_FUZZ_DIR:-/tmp/ncp_ipc_fuzz}.
set -euo pipefail
source "$(dirname "$0")/../../tools/fuzz/common.sh"
fuzz_setup ipc
(cd "$root" && "$cxx" "${fuzz_flags[@]}" -fsanitize=fuzzer,address,undefined \
  ipc/fuzz/wire_fuzzer.cc "${fuzz_ipc_srcs[@]}" -o "$out/wire_fuzzer")

# Seeds: a hello, requests/replies with objects, a release, a memfd body.
python3 - "$out/corpus" "$root/ipc/wire.h" <<'PY'
import re, struct, sys, os
d = sys.argv[1]
MAGIC = 0x5750434e
VERSION = int(re.search(r'kVersion = (\d+);', open(sys.argv[2]).read()).group(1))
def hdr(t, flags=0, code=0, handle=0, txn=0, chain=0, body=0, data=0, objs=0, fds=0):
    return struct.pack('<IBBHIIQQIIHHI', MAGIC, VERSION, t, flags, code, handle, txn,
                       chain, body, data, objs, fds, 0)
def obj(off, kind, handle=0):
    return struct.pack('<IHHII', off, kind, 0, handle, 0)
def seed(name, fds, dgram, tail=b''):
    with open(os.path.join(d, name), 'wb') as f:
        f.write(bytes([fds]) + struct.pack('<H', len(dgram)) + dgram + tail)
ops = bytes(range(24)) * 3
seed('hello', 0, hdr(1, flags=4))
seed('hello_request', 0, hdr(1, flags=4 | 32) + hdr(2, code=1, txn=1, chain=9,
                                                   body=8, data=8) +
     struct.pack('<q', 5), ops)
data = struct.pack('<i', 7) + b'abc\0' + b'\0' * 24 + b'\0' * 24 + \
       struct.pack('<ii i', 0x100, 0, 2) + 'ab\0\0'.encode('utf-16-le')
objs = obj(8, 1) + obj(32, 2, 5)
seed('request', 1, hdr(2, code=1, txn=1, chain=9, body=len(objs) + len(data),
                       data=len(data), objs=2, fds=1) + objs + data, ops)
seed('reply', 0, hdr(3, txn=3, body=8, data=8) + struct.pack('<q', -1), ops)
seed('reply_obj', 0, hdr(3, txn=3, body=16 + 24, data=24, objs=1) +
     obj(0, 3, 1) + b'\0' * 24, bytes([11, 23, 12]))
seed('release', 0, hdr(4, body=16) + struct.pack('<IIQ', 1, 0, 1))
seed('ring', 0, hdr(3, flags=8, txn=2, body=40000, data=40000) +
     struct.pack('<Q', 0), b'\x02' * 40000 + ops)
seed('ring_pending', 0, hdr(3, flags=8 | 16, txn=2, body=40000, data=40000) +
     struct.pack('<Q', 0), b'\x02' * 40000 + ops)
seed('ring_setup', 1, hdr(6, fds=1))
big = b'\x01' * 40000
seed('memfd', 1, hdr(2, flags=3, code=1, body=len(big), data=len(big), fds=1),
     big + ops)
PY

fuzz_run wire_fuzzer "$@"
