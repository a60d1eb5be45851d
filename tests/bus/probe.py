#!/usr/bin/env python3
# probe.py - raw NATS protocol cases against a server on 127.0.0.1:PORT,
# one line each: the case's name and every line the server sent after
# INFO, until the PONG that ends each case or the end of the connection.
# broker.bats runs it against the embedded broker and nats-server and
# compares. Usage: probe.py PORT [CASE...]
import socket
import sys

NV = b'CONNECT {"verbose":false}\r\n'
NP = b'CONNECT {"verbose":false,"pedantic":false}\r\n'
PED = b'CONNECT {"verbose":false,"pedantic":true}\r\n'

CASES = [
    # CONNECT that leaves verbose and pedantic out gets both
    ("connect-defaults", b"CONNECT {}\r\nPUB a.* 1\r\nx\r\nPING\r\n"),
    ("verbose-ping", b'CONNECT {"verbose":true}\r\nPING\r\n'),
    ("verbose-order", b'CONNECT {"verbose":true,"pedantic":false}\r\nSUB a 1\r\n'
     b"PUB a 1\r\nx\r\nUNSUB 1\r\nUNSUB 99\r\nPING\r\n"),
    ("verbose-errors", b'CONNECT {"verbose":true}\r\nSUB a..b 1\r\n'
     b"PUB a.* 1\r\nx\r\nPING\r\n"),
    ("lower-case", b'connect {"verbose":false}\r\nsub a 1\r\npub a 1\r\nx\r\nping\r\n'),
    ("connect-twice", NV + b'CONNECT {"verbose":true}\r\nPING\r\n'),
    # publish subjects: anything non-pedantic, literal ones pedantic
    ("nonpedantic-wild", NP + b"SUB a.* 1\r\nSUB a.> 2\r\nPUB a.* 1\r\nx\r\n"
     b"PUB a.> 1\r\ny\r\nPING\r\n"),
    ("nonpedantic-empty", NP + b"SUB a.*.b 1\r\nSUB > 2\r\nSUB *.a 3\r\n"
     b"PUB a..b 1\r\nx\r\nPUB .a 1\r\ny\r\nPUB a. 1\r\nz\r\nPING\r\n"),
    ("nonpedantic-reply", NP + b"SUB a 1\r\nPUB a r.> 1\r\nx\r\nPING\r\n"),
    ("pedantic-subjects", PED + b"SUB > 1\r\nPUB a.* 1\r\nx\r\nPUB a..b 1\r\ny\r\n"
     b"PUB .a 1\r\nz\r\nPUB a.b* 1\r\nw\r\nPUB a r.* 1\r\nv\r\nPING\r\n"),
    ("pedantic-verbose", b'CONNECT {"verbose":true,"pedantic":true}\r\n'
     b"SUB a.* 1\r\nPUB a.* 1\r\nx\r\nPING\r\n"),
    ("sub-subjects", NV + b"SUB foo..bar 1\r\nSUB a.>.b 2\r\nSUB a.b* 3\r\n"
     b"SUB .a 4\r\nSUB a q.* 5\r\nPING\r\n"),
    ("sub-repeated-sid", NV + b"SUB a 1\r\nSUB b 1\r\nPUB b 1\r\nx\r\n"
     b"PUB a 1\r\ny\r\nPING\r\n"),
    # errors that end the connection
    ("unknown-op", NV + b"FOO bar\r\nPING\r\n"),
    ("empty-line", NV + b"\r\nPING\r\n"),
    ("payload-end", NV + b"PUB a 3\r\nxyzzy\r\n"),
    ("max-payload", NV + b"PUB a 2000000\r\n"),
    ("max-control", NV + b"PUB " + b"a" * 5000 + b" 1\r\n"),
    ("ping-first", b"PING\r\n"),
    # where they differ (see the man page's COMPATIBILITY)
    ("pub-first", b"PUB a 1\r\nx\r\nPING\r\n"),
    ("bad-size", NV + b"PUB a notanumber\r\n"),
    ("bad-json", b'CONNECT {"verbose":tru\r\n'),
    ("tls-required", b'CONNECT {"verbose":false,"tls_required":true}\r\nPING\r\n'),
]


def run(port, data):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(5)
    f = s.makefile("rb")
    out = []
    try:
        if not f.readline().startswith(b"INFO "):
            return "no INFO"
        s.sendall(data)
        while True:
            line = f.readline()
            if not line:
                out.append("<eof>")
                break
            line = line.rstrip(b"\r\n").decode(errors="replace")
            out.append(line)
            if line == "PONG":
                break
    except socket.timeout:
        out.append("<timeout>")
    except ConnectionResetError:
        out.append("<reset>")
    s.close()
    return " | ".join(out)


def main():
    port = int(sys.argv[1])
    only = sys.argv[2:]
    for name, data in CASES:
        if not only or name in only:
            print("%s: %s" % (name, run(port, data)))


main()
