#!/usr/bin/env python3
"""Big and slow clients, from outside: the binary on PostgreSQL + Redis + a
real SMTP server.

- A client declares a 1 GB body, another streams one without declaring it,
  and a third sends its request one byte every half second: the first gets
  413 before a byte is read, the second is cut once past the limit, the slow
  one is cut by the request timeout, the server's memory stays flat, and
  other people's requests keep answering promptly throughout.

    python3 tests/e2e/faults.py [path/to/participation]
"""
import select
import socket
import subprocess
import threading
import time

from consultations import open_town
from harness import operator_token, platform, step

def rss_kib(port):
    """Resident memory of the process listening on `port`."""
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    pid = out.split("pid=", 1)[1].split(",", 1)[0]
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS:")).split()[1])


def timed_get(api, host, path):
    t = time.time()
    s, _ = api.call("GET", host, path)
    return s, time.time() - t


def big_and_slow_clients(api, port, host):
    before = rss_kib(port)
    # Declared: refused before a byte of it is read.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"POST /api/v1/subscriptions HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {10**9}\r\n\r\n".encode())
        head = sock.recv(200).decode(errors="replace")
    step("a declared 1 GB body gets 413 at once", head.startswith("HTTP/1.1 413"), head[:60])

    # Undeclared (chunked): streamed until the server stops it.
    streamed, answer = [0], [""]

    def stream():
        with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
            sock.sendall(f"POST /api/v1/subscriptions HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                         "Transfer-Encoding: chunked\r\n\r\n".encode())
            chunk = b"%x\r\n%s\r\n" % (1 << 20, b"a" * (1 << 20))
            try:
                while streamed[0] < 10**9:
                    sock.sendall(chunk)
                    streamed[0] += 1 << 20
                    if select.select([sock], [], [], 0)[0]:
                        answer[0] += sock.recv(4096).decode(errors="replace")
            except OSError:
                pass

    # Slow: one byte every half second.
    slow_cut = [None]

    def slow():
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            request = f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
            started = time.time()
            try:
                for b in request:
                    sock.sendall(bytes([b]))
                    time.sleep(0.5)
                sock.recv(100)
            except OSError:
                pass
            slow_cut[0] = time.time() - started

    threads = [threading.Thread(target=stream), threading.Thread(target=slow)]
    for t in threads:
        t.start()
    worst = 0.0
    while any(t.is_alive() for t in threads):
        s, took = timed_get(api, host, "/api/v1/consultations")
        step_ok = s == 200
        worst = max(worst, took)
        if not step_ok:
            step("others are answered while the big and slow clients run", False, s)
        time.sleep(0.2)
    for t in threads:
        t.join()
    after = rss_kib(port)
    # The server answers 413 once past its limit, reads on and drops the rest
    # (actix drains a refused body), holding none of it.
    step(f"an undeclared 1 GB body gets 413 once past the limit ({streamed[0] / 2**20:.0f} MiB sent and dropped)",
         answer[0].startswith("HTTP/1.1 413"), answer[0][:60])
    step(f"a client sending a byte every half second is cut after {slow_cut[0]:.0f} s", slow_cut[0] is not None
         and slow_cut[0] < 30, slow_cut[0])
    step(f"others kept being answered (slowest {worst * 1000:.0f} ms)", worst < 2.0, worst)
    step(f"memory stays flat ({before / 1024:.0f} MiB before, {after / 1024:.0f} MiB after)",
         after - before < 64 * 1024, (before, after))


def main():
    settings = {"ARGON2_MEMORY_KIB": "1024", "ARGON2_ITERATIONS": "1", "AUTH_RATE_LIMIT": "1000/min"}
    with platform(settings) as (api, inbox, env, _db):
        ops = operator_token(api, env)
        host, _admin = open_town(api, inbox, ops, "28191", "hanches")
        big_and_slow_clients(api, int(env["LISTEN_ADDR"].rsplit(":", 1)[1]), host)


if __name__ == "__main__":
    main()
