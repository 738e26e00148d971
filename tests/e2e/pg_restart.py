#!/usr/bin/env python3
"""PostgreSQL restarted under load, from outside: `participation serve` on a
PRIVATE PostgreSQL 15 cluster (initdb in a temporary folder, on a free port,
run as the postgres OS user) + Redis + a real SMTP server. Eight clients keep
reading and writing (a town's consultations, one consultation, the commune
search, logins, subscriptions, /readyz) while the database is stopped
(`pg_ctl stop -m fast`, what a restart does), left down for OUTAGE seconds,
and started again. The service is never restarted.

Checks and figures:
- during the outage every answer is a 503, none a 500, none hangs: the
  slowest answer is printed and must stay under the 10-second request timeout;
- the share of 503s and of any other status during the outage;
- from the database being back: the first 200, and steady 200s (every request
  begun from then on succeeds), within 5 seconds, same process (same pid);
- the mail worker recovers too: a subscription made afterwards gets its mail.

    E2E_REDIS_URL=redis://127.0.0.1:6379 python3 tests/e2e/pg_restart.py [target/debug/participation] [OUTAGE]

OUTAGE defaults to 10 seconds. E2E_DATABASE_URL is not used: the database is
private. About 40 seconds with the debug binary (OUTAGE + 30 s).
"""
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import harness
from consultations import citizen, open_town
from harness import DOMAIN, alive, operator_token, platform, step
from private_services import PrivatePostgres, check, drop_redis_keys, finish, internal_errors

OUTAGE = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
CLIENTS = 8
REQUEST_TIMEOUT = 10.0  # the server's client_request_timeout: nothing may take longer
RECOVERY_LIMIT = 5.0
CLIENT_WAIT = 30.0  # how long a client waits before calling it a hang


def timed(port, method, host, path, body=None, token=None):
    """(status or an error name, seconds)."""
    started = time.time()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_WAIT)
    headers = {"Host": host}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, body=data, headers=headers)
        res = conn.getresponse()
        res.read()
        status = res.status
    except TimeoutError:
        status = "hang"
    except OSError as e:
        status = f"error:{type(e).__name__}"
    finally:
        conn.close()
    return status, started, time.time()


def main():
    pg = PrivatePostgres()
    pg.start()
    print(f"private PostgreSQL on port {pg.port} ({pg.bin})", flush=True)
    harness.PG = pg.url  # the harness creates its database on the private server
    settings = {"ARGON2_MEMORY_KIB": "1024", "ARGON2_ITERATIONS": "1", "AUTH_RATE_LIMIT": "100000/min",
                "MAIL_RATE_PER_SECOND": "0"}
    log_path = os.path.join(tempfile.mkdtemp(prefix="e2e-pg-restart-"), "participation.log")
    print(f"server log: {log_path}", flush=True)
    log = open(log_path, "w")
    prefix = None
    try:
        with platform(settings, log=log) as (api, inbox, env, db_url):
            prefix = env["REDIS_KEY_PREFIX"]
            port = int(env["LISTEN_ADDR"].rsplit(":", 1)[1])
            server_pid = int(subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True,
                                            text=True).stdout.split("pid=", 1)[1].split(",", 1)[0])
            ops = operator_token(api, env)
            host, admin = open_town(api, inbox, ops, "28191", "hanches")
            s, c = api.call("POST", host, "/api/v1/consultations", {"title": "Le marché", "kind": "proposals"},
                            token=admin)
            cid = c["id"]
            api.call("POST", host, f"/api/v1/consultations/{cid}/publish", token=admin)
            password = "vélo cargo sous la pluie"
            token = citizen(api, inbox, host, "jeanne@example.fr")
            step("a town with an open consultation and a citizen", s == 201 and bool(token))
            requests = [
                ("GET", host, "/api/v1/consultations", None, None, (200,)),
                ("GET", host, f"/api/v1/consultations/{cid}", None, None, (200,)),
                ("GET", DOMAIN, "/api/v1/communes?q=hanch", None, None, (200,)),
                ("POST", host, "/api/v1/auth/login", {"email": "jeanne@example.fr", "password": password}, None, (200,)),
                ("GET", host, "/api/v1/me", None, token, (200,)),
                ("POST", host, "/api/v1/subscriptions", "SUBSCRIBE", None, (202,)),
                ("GET", host, "/readyz", None, None, (200,)),
            ]
            results = []  # (name, status, started, ended, expected)
            lock = threading.Lock()
            stop = threading.Event()

            def client(k):
                i = k
                while not stop.is_set():
                    method, h, path, body, tok, ok = requests[i % len(requests)]
                    if body == "SUBSCRIBE":
                        body = {"email": f"load-{uuid.uuid4().hex[:12]}@example.fr", "page": "/"}
                    status, t0, t1 = timed(port, method, h, path, body, tok)
                    with lock:
                        results.append((f"{method} {path.split('?')[0]}", status, t0, t1, ok))
                    i += 1
                    time.sleep(0.02)

            threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(CLIENTS)]
            for t in threads:
                t.start()
            time.sleep(5)
            t_stop0 = time.time()
            pg.stop("fast")
            t_down = time.time()
            print(f"database stopped ({t_down - t_stop0:.1f} s to stop); down for {OUTAGE:.0f} s", flush=True)
            time.sleep(OUTAGE)
            t_start0 = time.time()
            pg.start()
            t_back = time.time()
            print(f"database started again ({t_back - t_start0:.1f} s to start)", flush=True)
            time.sleep(15)
            stop.set()
            for t in threads:
                t.join(timeout=CLIENT_WAIT + 5)
            check("the service was not restarted (same process, alive)", alive(server_pid), server_pid)

            before = [r for r in results if r[3] < t_stop0]
            during = [r for r in results if r[2] >= t_down and r[3] <= t_start0]
            around = [r for r in results if r[2] < t_start0 and r[3] > t_stop0 and r not in during]
            after = sorted((r for r in results if r[2] >= t_back), key=lambda r: r[2])
            bad_before = [r[:2] for r in before if r[1] not in r[4]]
            check(f"before the outage every request succeeds ({len(before)} requests)", not bad_before,
                 bad_before[:5])

            by_status = {}
            for r in during:
                by_status[r[1]] = by_status.get(r[1], 0) + 1
            share = ", ".join(f"{s}: {n} ({100 * n / max(1, len(during)):.0f}%)"
                              for s, n in sorted(by_status.items(), key=lambda x: str(x[0])))
            slowest = max((r[3] - r[2] for r in during), default=0.0)
            slowest_any = max((r[3] - r[2] for r in during + around), default=0.0)
            print(f"figures: {len(during)} requests during the outage: {share}", flush=True)
            print(f"figures: slowest answer during the outage {slowest * 1000:.0f} ms "
                  f"({slowest_any * 1000:.0f} ms counting those that straddled the stop or the start)", flush=True)
            per_route = {}
            for r in during:
                per_route.setdefault(r[0], {}).setdefault(r[1], 0)
                per_route[r[0]][r[1]] += 1
            for route, counts in sorted(per_route.items()):
                print(f"figures:   {route}: {counts}", flush=True)
            hangs = [r[:2] for r in during + around if not isinstance(r[1], int)]
            check("no request hung or lost its connection", not hangs, hangs[:5])
            check(f"no answer took longer than the {REQUEST_TIMEOUT:.0f}-second request timeout "
                 f"(slowest {slowest_any:.2f} s)", slowest_any < REQUEST_TIMEOUT, slowest_any)
            fives = sorted({(r[0], r[1]) for r in results if isinstance(r[1], int) and r[1] >= 500 and r[1] != 503})
            check("no 500 (or other 5xx but 503) in the whole run", not fives, fives)
            for cause, n in internal_errors(log_path):
                print(f"figures:   logged cause of a 500 ({n}×): {cause}", flush=True)
            check(f"during the outage every answer is a 503 ({len(during)} requests)",
                 len(during) > 0 and set(by_status) == {503}, by_status)

            # The first success answered once the database was back, whenever it was asked.
            first_ok = min((r for r in results if r[1] in r[4] and r[3] >= t_back), key=lambda r: r[3], default=None)
            last_bad = max((r[3] for r in results if r[1] not in r[4]), default=t_back)
            # Steady: the earliest start from which every request begun succeeded.
            steady_from = t_back
            for r in after:
                if r[1] not in r[4]:
                    steady_from = r[3]
            first_ok_s = (first_ok[3] - t_back) if first_ok else float("inf")
            steady_s = steady_from - t_back
            late = [r for r in after if r[2] >= steady_from]
            print(f"figures: database back → first 200 in {first_ok_s:.2f} s, steady 200s from {steady_s:.2f} s "
                  f"(every request begun from then on succeeded: {len(late)}); the last failure was answered "
                  f"{last_bad - t_back:+.2f} s from the database being back", flush=True)
            check(f"a first 200 within {RECOVERY_LIMIT:.0f} s of the database being back ({first_ok_s:.2f} s)",
                 first_ok_s <= RECOVERY_LIMIT, first_ok_s)
            check(f"steady 200s within {RECOVERY_LIMIT:.0f} s of the database being back ({steady_s:.2f} s)",
                 steady_s <= RECOVERY_LIMIT and len(late) > 20, [r[:2] for r in after if r[1] not in r[4]][-5:])

            # The worker lives in the same process: its relay and queue must be back too.
            email = "apres-coup@example.fr"
            sent = time.time()
            s, _ = api.call("POST", host, "/api/v1/subscriptions", {"email": email, "page": "/"})
            try:
                inbox.link(email, "/subscriptions/confirm", timeout=30)
                took = time.time() - sent
            except AssertionError:
                took = None
            check("the mail worker recovered too: a subscription made afterwards gets its mail"
                 + (f" ({took:.1f} s)" if took is not None else ""), s == 202 and took is not None, s)
    finally:
        log.close()
        if prefix:
            drop_redis_keys(harness.REDIS, prefix)
        if not pg.running():
            pg.start()  # the harness drops its database on the way out
        harness.PG = None
        pg.destroy()
    finish()


if __name__ == "__main__":
    started = time.time()
    try:
        main()
    finally:
        print(f"took {time.time() - started:.0f} s", flush=True)
