#!/usr/bin/env python3
# conform_raw.py - the protocol side of the conformance suite
# (tests/interop/conformance.sh): raw client protocol lines sent to a
# server and what it answers (INFO's fields, +OK, -ERR texts and their
# order, PONG, whether it closes), one line "CASE: outcome" each. Never
# fails on an outcome: only the comparison decides.
# Usage: conform_raw.py PORT open|token|users
import json
import socket
import sys
import time

port = int(sys.argv[1])
setup = sys.argv[2]


def talk(send, wait_close=False, limit=2.0):
    """Connect, read INFO, send the bytes, and read until PONG (or the
    close, with wait_close) for at most limit seconds; returns (info,
    answers) with answers the lines after INFO, MSG payloads kept"""
    s = socket.create_connection(("127.0.0.1", port), timeout=limit)
    buf = b""
    end = time.monotonic() + limit
    info = None
    lines = []
    closed = False
    sent = False
    try:
        while time.monotonic() < end:
            while b"\r\n" in buf:
                line, buf = buf.split(b"\r\n", 1)
                text = line.decode(errors="replace")
                if info is None and text.startswith("INFO "):
                    info = json.loads(text[5:])
                else:
                    lines.append(text)
            if info is not None and not sent:
                s.sendall(send)
                sent = True
            if sent and not wait_close and lines and lines[-1] == "PONG":
                break
            s.settimeout(max(0.01, end - time.monotonic()))
            try:
                d = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not d:
                closed = True
                break
            buf += d
    finally:
        s.close()
    if closed:
        lines.append("(closed)")
    return info, lines


# every case but connect-defaults says what it wants (defaults differ)
CONNECT = b'CONNECT {"verbose":false,"pedantic":false}\r\n'


def case(name, send, **kw):
    _, lines = talk(send, **kw)
    print(f"{name}: {' | '.join(lines)}")


def info_case(name):
    info, _ = talk(b"PING\r\n")
    keys = ["auth_required", "headers", "proto", "max_payload"]
    shown = " ".join(f"{k}={json.dumps(info.get(k))}" for k in keys)
    print(f"{name}: {shown} nonce={'yes' if info.get('nonce') else 'no'}")


if setup == "open":
    info_case("info")
    case("connect-defaults", b"CONNECT {}\r\nPING\r\n")
    case("verbose", b'CONNECT {"verbose":true}\r\nPUB a 1\r\nx\r\nPING\r\n')
    case("unknown-op", CONNECT + b"FOO bar\r\nPING\r\n", wait_close=True)
    case("sub-invalid", CONNECT + b"SUB a..b 1\r\nPING\r\n")
    case("pedantic-pub", b'CONNECT {"verbose":false,"pedantic":true}\r\nPUB a.* 1\r\nx\r\nPING\r\n')
    case("max-payload", CONNECT + b"PUB a 70000\r\n" + b"x" * 70000 +
         b"\r\nPING\r\n", wait_close=True)
    case("unsub-max", CONNECT + b"SUB u 7\r\nUNSUB 7 1\r\n"
         b"PUB u 1\r\na\r\nPUB u 1\r\nb\r\nPING\r\n")
    # the differences COMPATIBILITY names, so that the suite holds them
    case("ping-first", b"PING\r\n")
    case("pub-first", b"PUB a 1\r\nx\r\nPING\r\n", wait_close=True)
    case("bad-args", CONNECT + b"PUB a x\r\nPING\r\n", wait_close=True)
    case("tls-required", b'CONNECT {"verbose":false,"tls_required":true}\r\nPING\r\n',
         wait_close=True)
elif setup == "token":
    info_case("info")
    case("wrong-token", b'CONNECT {"verbose":false,"auth_token":"wrong"}\r\nPING\r\n',
         wait_close=True)
    case("token-as-pass", b'CONNECT {"verbose":false,"user":"mallory","pass":"s3cret"}\r\nPING\r\n',
         wait_close=True)
    case("pub-first", b"PUB a 1\r\nx\r\nPING\r\n", wait_close=True)
    case("ping-first", b"PING\r\n", wait_close=True)
    case("good-token", b'CONNECT {"verbose":false,"auth_token":"s3cret"}\r\nPING\r\n')
elif setup == "users":
    info_case("info")
    case("unknown-user", b'CONNECT {"verbose":false,"user":"mallory","pass":"wonder"}\r\nPING\r\n',
         wait_close=True)
    case("wrong-pass", b'CONNECT {"verbose":false,"user":"alice","pass":"nope"}\r\nPING\r\n',
         wait_close=True)
    case("unsigned-nkey", b'CONNECT {"verbose":false,"nkey":"UCI76YIWGS2TU7Y3MBYEZRYZ2JALKNQZ37QV3KAYM3VYLIPUJVORTMHB"}\r\nPING\r\n',
         wait_close=True)
    case("good-user", b'CONNECT {"verbose":false,"user":"alice","pass":"wonder"}\r\nPING\r\n')
