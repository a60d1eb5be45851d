#!/usr/bin/env python3
"""tests/stress/peers.py - many peers at once for faults.bats, load.bats and
integrity.bats: NATS protocol clients for the broker (counted and verified
messages, a ring of many clients, a slow consumer), line clients for an
echo server, and a descriptor-exhaustion prober.

Each subcommand prints one summary line (the bats tests compare it
exactly) and exits 1 with a reason on stderr when something was lost,
duplicated, reordered or never answered. Addresses are unix:/path or
tcp:HOST:PORT (the spelling of --addr-file and "listening on").
"""
import argparse
import os
import selectors
import socket
import sys
import time


def connect(addr, timeout=10.0):
    """a connected blocking socket for unix:PATH or tcp:HOST:PORT"""
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        path = addr[5:]
        if path.startswith("@"):
            path = "\0" + path[1:]
        target = path
    elif addr.startswith("tcp:"):
        host, _, port = addr[4:].rpartition(":")
        host = host.strip("[]") or "127.0.0.1"
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        target = (host, int(port))
    else:
        sys.exit("peers.py: unknown address " + addr)
    s.settimeout(timeout)
    s.connect(target)
    return s


def fail(msg):
    print("peers.py: " + msg, file=sys.stderr)
    sys.exit(1)


class Nats:
    """one NATS protocol connection, nonblocking once set up; collects
    MSG payloads per sid and counts PONGs and -ERR lines"""

    def __init__(self, addr, token=None, name="peer"):
        self.s = connect(addr)
        self.name = name
        self.buf = bytearray()
        self.out = bytearray()
        self.msgs = []          # payloads, in arrival order
        self.pongs = 0
        self.errs = []
        self.eof = False
        self.info = self._line_blocking()
        if not self.info.startswith(b"INFO "):
            fail("%s: expected INFO, got %r" % (name, self.info[:80]))
        opts = '"verbose":false,"pedantic":false,"name":"%s"' % name
        if token:
            opts += ',"auth_token":"%s"' % token
        self.s.sendall(b"CONNECT {" + opts.encode() + b"}\r\n")

    def _line_blocking(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                fail("%s: closed before INFO" % self.name)
            self.buf += d
        line, _, rest = bytes(self.buf).partition(b"\r\n")
        self.buf = bytearray(rest)
        return line

    def send(self, data):
        self.out += data

    def flush_blocking(self):
        self.s.setblocking(True)
        self.s.sendall(self.out)
        self.out.clear()
        self.s.setblocking(False)

    def on_writable(self):
        if self.out:
            try:
                n = self.s.send(self.out)
                del self.out[:n]
            except (BlockingIOError, InterruptedError):
                pass

    def on_readable(self):
        try:
            d = self.s.recv(1 << 20)
        except (BlockingIOError, InterruptedError):
            return
        except ConnectionResetError:
            d = b""
        if not d:
            self.eof = True
            return
        self.buf += d
        self._parse()

    def _parse(self):
        buf = self.buf
        pos = 0
        while True:
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                break
            line = bytes(buf[pos:eol])
            if line.startswith(b"MSG "):
                n = int(line.rsplit(b" ", 1)[1])
                if len(buf) < eol + 2 + n + 2:
                    break
                self.msgs.append(bytes(buf[eol + 2:eol + 2 + n]))
                pos = eol + 2 + n + 2
                continue
            pos = eol + 2
            if line == b"PONG":
                self.pongs += 1
            elif line == b"PING":
                self.out += b"PONG\r\n"
            elif line.startswith(b"-ERR"):
                self.errs.append(line.decode(errors="replace"))
            elif line in (b"+OK",) or line.startswith(b"INFO "):
                pass
            else:
                fail("%s: unexpected line %r" % (self.name, line[:80]))
        del buf[:pos]


class Loop:
    """a selector over many Nats connections"""

    def __init__(self, conns):
        self.conns = conns
        self.sel = selectors.DefaultSelector()
        for c in conns:
            c.s.setblocking(False)
            self.sel.register(c.s, selectors.EVENT_READ, c)
        self.writing = set()

    def run_until(self, cond, timeout):
        end = time.monotonic() + timeout
        while not cond():
            for c in self.conns:
                want = selectors.EVENT_READ | (selectors.EVENT_WRITE if c.out else 0)
                if c.eof:
                    continue
                self.sel.modify(c.s, want, c)
            left = end - time.monotonic()
            if left <= 0:
                return False
            for key, ev in self.sel.select(min(left, 1.0)):
                c = key.data
                if ev & selectors.EVENT_WRITE:
                    c.on_writable()
                if ev & selectors.EVENT_READ:
                    c.on_readable()
                    if c.eof:
                        self.sel.unregister(c.s)
        return True

    def sync(self, conns, timeout):
        """PING every conn and wait for its PONG: everything sent to it
        before has arrived"""
        goal = {c: c.pongs + 1 for c in conns}
        for c in conns:
            c.send(b"PING\r\n")
        ok = self.run_until(lambda: all(c.pongs >= goal[c] or c.eof for c in conns), timeout)
        if not ok:
            late = [c.name for c in conns if c.pongs < goal[c]]
            fail("no PONG within %gs from %d connections (%s...)" % (timeout, len(late), ", ".join(late[:3])))


def seqs(msgs):
    return [int(m) for m in msgs]


def nats_count(a):
    """N messages from one publisher to a plain subscriber and a queue
    group: the plain one gets 1..N in order, the group 1..N between its
    members, each exactly once, each member in order"""
    plain = Nats(a.addr, a.token, "plain")
    group = [Nats(a.addr, a.token, "q%d" % i) for i in range(a.queue)]
    pub = Nats(a.addr, a.token, "pub")
    plain.send(b"SUB cnt 1\r\n")
    for g in group:
        g.send(b"SUB cnt workers 1\r\n")
    subs = [plain] + group
    loop = Loop(subs + [pub])
    loop.sync(subs + [pub], 10)
    t0 = time.monotonic()
    batch = []
    for i in range(1, a.n + 1):
        p = b"%d" % i
        batch.append(b"PUB cnt %d\r\n%s\r\n" % (len(p), p))
        if len(batch) == 1000 or i == a.n:
            pub.send(b"".join(batch))
            batch = []
            loop.run_until(lambda: len(pub.out) < 65536, 60)
    loop.sync([pub], 120)
    loop.sync(subs, 120)
    dt = time.monotonic() - t0
    for c in subs + [pub]:
        if c.errs or c.eof:
            fail("%s: %s%s" % (c.name, " ".join(c.errs), " closed" if c.eof else ""))
    want = list(range(1, a.n + 1))
    got = seqs(plain.msgs)
    if got != want:
        fail("plain subscriber: %d messages, %d distinct, in order: %s" %
             (len(got), len(set(got)), got == sorted(got)))
    out = "plain: %d of %d in order" % (len(got), a.n)
    if group:
        alls = []
        for g in group:
            s = seqs(g.msgs)
            if s != sorted(s):
                fail("%s: out of order" % g.name)
            alls += s
        lost = len(set(want) - set(alls))
        dup = len(alls) - len(set(alls))
        if lost or dup or len(alls) != a.n:
            fail("queue group: %d delivered, %d lost, %d duplicated" % (len(alls), lost, dup))
        out += "; queue group of %d: %d delivered, 0 lost, 0 duplicated" % (len(group), len(alls))
    print(out)
    print("%.0f messages/s" % (a.n / dt), file=sys.stderr)


def nats_ring(a):
    """CLIENTS clients, client i subscribed to r.i, each publishing MSGS
    messages to the next one: every client must get exactly its
    predecessor's messages, in order"""
    t0 = time.monotonic()
    conns = []
    for i in range(a.clients):
        c = Nats(a.addr, a.token, "c%d" % i)
        c.send(b"SUB r.%d 1\r\n" % i)
        conns.append(c)
    loop = Loop(conns)
    loop.sync(conns, 60)
    t1 = time.monotonic()
    for i, c in enumerate(conns):
        nxt = (i + 1) % a.clients
        parts = []
        for k in range(a.msgs):
            p = b"%d:%d" % (i, k)
            parts.append(b"PUB r.%d %d\r\n%s\r\n" % (nxt, len(p), p))
        c.send(b"".join(parts))
    loop.sync(conns, 120)   # every PUB of a client processed
    loop.sync(conns, 120)   # every MSG to a client arrived
    t2 = time.monotonic()
    bad = 0
    for i, c in enumerate(conns):
        prev = (i - 1) % a.clients
        want = [b"%d:%d" % (prev, k) for k in range(a.msgs)]
        if c.msgs != want or c.errs or c.eof:
            bad += 1
            if bad == 1:
                print("peers.py: client %d got %d of %d (%s)" % (i, len(c.msgs), a.msgs, " ".join(c.errs)), file=sys.stderr)
    if bad:
        fail("%d of %d clients wrong" % (bad, a.clients))
    print("%d clients, %d messages, all delivered once and in order" % (a.clients, a.clients * a.msgs))
    print("connect %.2f s, exchange %.2f s, %.0f messages/s" % (t1 - t0, t2 - t1, a.clients * a.msgs / max(t2 - t1, 1e-6)), file=sys.stderr)


def nats_slow(a):
    """a subscriber that never reads, a fast one, a publisher: the fast
    one gets all N messages of SIZE bytes, the slow one is dropped with
    -ERR 'Slow Consumer' after what it could take"""
    slow = Nats(a.addr, a.token, "slow")
    slow.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    fast = Nats(a.addr, a.token, "fast")
    pub = Nats(a.addr, a.token, "pub")
    slow.send(b"SUB big 1\r\nPING\r\n")
    slow.flush_blocking()
    slow.s.setblocking(True)
    slow.s.settimeout(10)
    while b"PONG" not in slow.buf:
        slow.buf += slow.s.recv(4096)
    slow.buf.clear()
    fast.send(b"SUB big 1\r\n")
    loop = Loop([fast, pub])
    loop.sync([fast, pub], 10)
    body = b"x" * (a.size - 12)
    for i in range(1, a.n + 1):
        p = b"%012d" % i + body
        pub.send(b"PUB big %d\r\n%s\r\n" % (len(p), p))
        if i % 100 == 0:
            loop.run_until(lambda: not pub.out, 60)
    loop.sync([pub], 60)
    loop.sync([fast], 60)
    if fast.errs or fast.eof or pub.errs or pub.eof:
        fail("fast or publisher hurt: %s %s" % (fast.errs, pub.errs))
    got = [int(m[:12]) for m in fast.msgs]
    if got != list(range(1, a.n + 1)):
        fail("fast subscriber: %d of %d" % (len(got), a.n))
    # the slow one: what it was sent before the broker gave up, then the
    # error, then end of file
    slow.s.settimeout(20)
    while True:
        d = slow.s.recv(1 << 20)
        if not d:
            break
        slow.buf += d
    slow._parse()
    kept = len(slow.msgs)
    if slow.errs != ["-ERR 'Slow Consumer'"]:
        fail("slow subscriber: %r" % slow.errs)
    if kept >= a.n:
        fail("slow subscriber got everything: not slow enough")
    print("fast: %d of %d in order; slow: dropped with -ERR 'Slow Consumer'" % (len(got), a.n))
    print("slow consumer got %d messages before the cut" % kept, file=sys.stderr)


def nats_die(a):
    """a peer killed with SIGKILL mid-stream. pub: one whole message on
    subject a ("ok"), then half of a 100000-byte one, then SIGKILL. sub:
    subscribe to SUBJECT, print "ready", take N messages, then SIGKILL"""
    c = Nats(a.addr, a.token, a.role)
    if a.role == "pub":
        c.s.sendall(b"PUB a 2\r\nok\r\nPUB a 100000\r\n" + b"x" * 50000)
        os.kill(os.getpid(), 9)
    c.send(b"SUB %s 1\r\n" % a.subject.encode())
    loop = Loop([c])
    loop.sync([c], 10)
    print("ready", flush=True)
    loop.run_until(lambda: len(c.msgs) >= a.n or c.eof, 60)
    os.kill(os.getpid(), 9)


def echo_load(a):
    """CLIENTS connections to an echo server, each sending MSGS lines and
    expecting exactly those bytes back"""
    t0 = time.monotonic()
    socks = []
    for i in range(a.clients):
        s = connect(a.addr)
        s.setblocking(False)
        socks.append(s)
    t1 = time.monotonic()
    sel = selectors.DefaultSelector()
    state = {}
    for i, s in enumerate(socks):
        data = b"".join(b"client %d message %d %s\n" % (i, k, b"." * (k % 50)) for k in range(a.msgs))
        state[s] = [i, data, 0, bytearray()]   # index, data, sent, received
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, None)
    pending = len(socks)
    end = time.monotonic() + a.timeout
    while pending:
        if time.monotonic() > end:
            short = sum(1 for s in socks if len(state[s][3]) < len(state[s][1]))
            fail("%d of %d clients not fully answered within %gs" % (short, a.clients, a.timeout))
        for key, ev in sel.select(1.0):
            s = key.fileobj
            st = state[s]
            if ev & selectors.EVENT_WRITE and st[2] < len(st[1]):
                try:
                    st[2] += s.send(st[1][st[2]:st[2] + 65536])
                except (BlockingIOError, InterruptedError):
                    pass
                if st[2] == len(st[1]):
                    sel.modify(s, selectors.EVENT_READ)
            if ev & selectors.EVENT_READ:
                try:
                    d = s.recv(1 << 16)
                except (BlockingIOError, InterruptedError):
                    continue
                if not d:
                    fail("client %d: closed by the server after %d bytes" % (st[0], len(st[3])))
                st[3] += d
                if len(st[3]) >= len(st[1]):
                    if st[3] != st[1]:
                        fail("client %d: answer differs" % st[0])
                    sel.unregister(s)
                    pending -= 1
    t2 = time.monotonic()
    for s in socks:
        s.close()
    print("%d clients, %d messages, all echoed exactly" % (a.clients, a.clients * a.msgs))
    print("connect %.2f s, exchange %.2f s" % (t1 - t0, t2 - t1), file=sys.stderr)


def probe(s, kind, timeout, first=False):
    """'ok' when the server answers the probe, 'closed: TEXT' when it
    closes the connection (TEXT: the last line it said), 'silent' on
    timeout. A NATS server speaks first (INFO, followed by -ERR when it
    refuses): on a first probe that is read before the PING is sent"""
    req, want = (b"PING\r\n", b"PONG\r\n") if kind == "nats" else (b"probe\n", b"probe\n")
    got = bytearray()
    s.settimeout(timeout)
    try:
        if kind == "nats" and first:
            while b"\r\n" not in got:
                d = s.recv(4096)
                if not d:
                    break
                got += d
            if not got.startswith(b"INFO "):
                return "closed: " + got.decode(errors="replace").strip()
            # a refusal is INFO and -ERR at once, as nats-server sends it
            rest = got.partition(b"\r\n")[2]
            if rest.startswith(b"-ERR "):
                return "closed: " + rest.decode(errors="replace").strip()
            got.clear()
        s.sendall(req)
        while not got.endswith(want):
            d = s.recv(4096)
            if not d:
                break
            got += d
    except socket.timeout:
        return "silent"
    except OSError as e:
        try:
            got += s.recv(4096, socket.MSG_DONTWAIT)
        except OSError:
            pass
        if not got:
            return "closed: " + e.strerror
    if got.endswith(want):
        return "ok"
    text = got.decode(errors="replace").strip().splitlines()
    return "closed: " + (text[-1] if text else "")


def hold(a):
    """open N connections one after another, each probed while the
    earlier ones stay open; then probe the first ones again. Prints the
    outcomes: served, refused (with what the server said), silent"""
    socks, outcome = [], []
    for i in range(a.n):
        try:
            s = connect(a.addr, a.timeout)
        except OSError as e:
            outcome.append("closed: connect: " + (e.strerror or str(e)))
            continue
        r = probe(s, a.kind, a.timeout, True)
        outcome.append(r)
        socks.append((s, r))
    served = outcome.count("ok")
    silent = outcome.count("silent")
    refused = sorted(set(o for o in outcome if o.startswith("closed")))
    first_refused = next((i for i, o in enumerate(outcome) if o != "ok"), len(outcome))
    again = [probe(s, a.kind, a.timeout) for s, r in socks if r == "ok"]
    print("served %d, refused %d, silent %d" % (served, len(outcome) - served - silent, silent))
    for r in refused:
        print(r)
    print("served again: %d of %d" % (again.count("ok"), served))
    print("first refusal at %d" % first_refused, file=sys.stderr)


def main():
    p = argparse.ArgumentParser(prog="peers.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("nats-count")
    c.add_argument("addr")
    c.add_argument("n", type=int)
    c.add_argument("--queue", type=int, default=0)
    c.add_argument("--token")
    c.set_defaults(fn=nats_count)
    c = sub.add_parser("nats-ring")
    c.add_argument("addr")
    c.add_argument("clients", type=int)
    c.add_argument("msgs", type=int)
    c.add_argument("--token")
    c.set_defaults(fn=nats_ring)
    c = sub.add_parser("nats-slow")
    c.add_argument("addr")
    c.add_argument("n", type=int)
    c.add_argument("--size", type=int, default=1024)
    c.add_argument("--token")
    c.set_defaults(fn=nats_slow)
    c = sub.add_parser("nats-die")
    c.add_argument("addr")
    c.add_argument("role", choices=["pub", "sub"])
    c.add_argument("subject", nargs="?", default="a")
    c.add_argument("n", type=int, nargs="?", default=1)
    c.add_argument("--token")
    c.set_defaults(fn=nats_die)
    c = sub.add_parser("echo-load")
    c.add_argument("addr")
    c.add_argument("clients", type=int)
    c.add_argument("msgs", type=int)
    c.add_argument("--timeout", type=float, default=120)
    c.set_defaults(fn=echo_load)
    c = sub.add_parser("hold")
    c.add_argument("addr")
    c.add_argument("n", type=int)
    c.add_argument("--kind", choices=["nats", "echo"], default="nats")
    c.add_argument("--timeout", type=float, default=2)
    c.set_defaults(fn=hold)
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
