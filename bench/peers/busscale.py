#!/usr/bin/env python3
# bench/peers/busscale.py - a broker at scale, for bench/scenarios/
# 42-bus-scale.sh: the same raw NATS client against whichever broker
# listens on 127.0.0.1:PORT. Each mode prints one number:
#   subs PORT N        ms until N SUBs (N subjects, one connection) are
#                      answered by PONG
#   rss PORT N         the broker's resident kB with those N held
#   pubrate PORT N M   messages/s: M messages spread over the N subjects,
#                      from another connection, until all are received
#   queue PORT G P     publishes/s: P messages to one subject with G queue
#                      groups (one member each), until all G x P arrived
#   ping PORT N        the worst round trip (ms) of another client's PING,
#                      sent every millisecond while N SUBs are worked on
import multiprocessing as mp
import socket
import subprocess
import sys
import time


def conn(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")
    if not f.readline().startswith(b"INFO "):
        sys.exit("busscale: no INFO")
    s.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n')
    if f.readline() != b"PONG\r\n":
        sys.exit("busscale: no PONG")
    return s, f


def pong(f):
    while True:
        line = f.readline()
        if line == b"PONG\r\n":
            return
        if line.startswith(b"MSG "):
            f.readline()
        elif not line or line.startswith(b"-ERR"):
            sys.exit("busscale: %r" % line)


def subscribe(port, n):
    s, f = conn(port)
    s.sendall(b"".join(b"SUB s.%d %d\r\n" % (i, i) for i in range(n)) +
              b"PING\r\n")
    pong(f)
    return s, f


def receive(f, n):
    got = 0
    while got < n:
        line = f.readline()
        if not line.startswith(b"MSG "):
            sys.exit("busscale: %r" % line)
        f.readline()
        got += 1


def broker_rss(port):
    out = subprocess.run(["ss", "-Hltnp", "sport = :%d" % port],
                         capture_output=True, text=True).stdout
    pid = out.split("pid=")[1].split(",")[0]
    with open("/proc/%s/status" % pid) as st:
        for line in st:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def ping_loop(port, stop, worst, ready):
    b, bf = conn(port)
    ready.set()
    while not stop.is_set():
        t = time.perf_counter()
        b.sendall(b"PING\r\n")
        pong(bf)
        worst.value = max(worst.value, time.perf_counter() - t)
        time.sleep(0.001)


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    args = [int(a) for a in sys.argv[3:]]
    if mode == "subs":
        t = time.perf_counter()
        subscribe(port, args[0])
        print("%.1f" % ((time.perf_counter() - t) * 1e3))
    elif mode == "rss":
        s, f = subscribe(port, args[0])
        print(broker_rss(port))
    elif mode == "pubrate":
        n, m = args
        s, f = subscribe(port, n)
        p, pf = conn(port)
        batch = b"".join(b"PUB s.%d 2\r\nhi\r\n" % (i % n) for i in range(m))
        t = time.perf_counter()
        p.sendall(batch)
        receive(f, m)
        print("%.1f" % (m / (time.perf_counter() - t)))
    elif mode == "queue":
        g, n = args
        q, qf = conn(port)
        q.sendall(b"".join(b"SUB jobs g%d %d\r\n" % (i, i) for i in range(g)) +
                  b"PING\r\n")
        pong(qf)
        p, pf = conn(port)
        t = time.perf_counter()
        p.sendall(b"PUB jobs 2\r\nhi\r\n" * n)
        receive(qf, g * n)
        print("%.1f" % (n / (time.perf_counter() - t)))
    elif mode == "ping":
        stop, worst, ready = mp.Event(), mp.Value("d", 0.0), mp.Event()
        pinger = mp.Process(target=ping_loop, args=(port, stop, worst, ready))
        pinger.start()
        ready.wait(10)
        time.sleep(0.05)
        subscribe(port, args[0])
        time.sleep(0.05)
        stop.set()
        pinger.join()
        print("%.3f" % (worst.value * 1e3))
    else:
        sys.exit("busscale: unknown mode %s" % mode)


main()
