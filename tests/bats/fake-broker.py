#!/usr/bin/env python3
# fake-broker.py PATH - an impostor on a UNIX socket at PATH: greets the
# first client with an INFO that asks for credentials and writes whatever
# the client sends (until it closes, or 5 s) to PATH.got; PATH.ready
# appears once it listens. For bus-auth.bats (run as a throwaway user).
import os
import socket
import sys

path = sys.argv[1]
s = socket.socket(socket.AF_UNIX)
s.bind(path)
os.chmod(path, 0o777)
s.listen(4)
open(path + ".ready", "w").close()
s.settimeout(10)
try:
    c, _ = s.accept()
except OSError:
    sys.exit(0)
c.sendall(b'INFO {"server_id":"x","auth_required":true,"max_payload":1048576}\r\n')
c.settimeout(5)
got = b""
try:
    while True:
        d = c.recv(4096)
        if not d:
            break
        got += d
except OSError:
    pass
with open(path + ".got", "wb") as f:
    f.write(got)
