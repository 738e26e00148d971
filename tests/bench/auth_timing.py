#!/usr/bin/env python3
"""Do answers take as long for an address that has an account as for one that
has none? Prints, per endpoint, the median and 90th percentile of each.

    python3 tests/bench/auth_timing.py [path/to/participation] [rounds]

Same needs as tests/e2e/journeys.py (PostgreSQL, Redis, aiosmtpd). The rate
limit is lifted for the run; argon2 runs at its default cost.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import journeys as j  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/participation"
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 40


def timed(api, host, path, body):
    start = time.perf_counter()
    status, _ = api.call("POST", host, path, body)
    return status, (time.perf_counter() - start) * 1000


def main():
    inbox = j.Inbox()
    smtp = j.Controller(inbox, hostname="127.0.0.1", port=j.free_port())
    smtp.start()
    name = f"timing_{uuid.uuid4().hex}"
    j.psql(f"{j.PG}/postgres", f'CREATE DATABASE "{name}"')
    port = j.free_port()
    env = {
        "PATH": os.environ.get("PATH", ""), "DATABASE_URL": f"{j.PG}/{name}?sslmode=disable",
        "REDIS_URL": j.REDIS, "REDIS_KEY_PREFIX": f"timing-{uuid.uuid4().hex}",
        "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}", "PLATFORM_DOMAIN": j.DOMAIN,
        "LISTEN_ADDR": f"127.0.0.1:{port}", "METRICS_ADDR": f"127.0.0.1:{j.free_port()}",
        "DATA_DIR": tempfile.mkdtemp(), "MAIL_RATE_PER_SECOND": "0", "AUTH_RATE_LIMIT": "1000000/sec",
    }
    server = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        api = j.Api(port)
        for _ in range(200):
            try:
                if api.call("GET", j.DOMAIN, "/readyz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        # A live town, and a verified citizen in it.
        subprocess.run(["psql", f"{j.PG}/{name}", "-qc",
                        "INSERT INTO tenants (id, slug, insee_code, name, status, contact_email, contact_name, "
                        "time_zone, created_at, updated_at) VALUES (gen_random_uuid(), 'hanches', '28191', "
                        "'Hanches', 'active', 'mairie@hanches.fr', 'Mairie', 'Europe/Paris', now(), now())"],
                       check=True)
        host = f"hanches.{j.DOMAIN}"
        pw = "vélo cargo sous la pluie"
        api.call("POST", host, "/api/v1/auth/register", {"email": "jeanne@example.fr", "password": pw,
                                                         "display_name": "Jeanne"})
        token = inbox.link("jeanne@example.fr", "/verify-email")
        api.call("POST", host, "/api/v1/auth/verify-email", {"token": token})
        cases = {
            "login (wrong password / unknown address)": ("/api/v1/auth/login",
                                                          lambda e: {"email": e, "password": "pas le bon mot de passe"}),
            "login link": ("/api/v1/auth/magic-link", lambda e: {"email": e}),
            "forgotten password": ("/api/v1/auth/password/forgot", lambda e: {"email": e}),
            "registration": ("/api/v1/auth/register",
                             lambda e: {"email": e, "password": "une autre phrase de passe", "display_name": "X"}),
        }
        print(f"{ROUNDS} rounds each, known and unknown interleaved; milliseconds")
        print("| endpoint | known p50 | unknown p50 | known p90 | unknown p90 | statuses |")
        print("|---|---:|---:|---:|---:|---|")
        for label, (path, body) in cases.items():
            known, unknown, statuses = [], [], set()
            for i in range(ROUNDS):
                s1, t1 = timed(api, host, path, body("jeanne@example.fr"))
                s2, t2 = timed(api, host, path, body(f"personne{i}@example.fr"))
                known.append(t1)
                unknown.append(t2)
                statuses.add((s1, s2))
            q = lambda xs, p: statistics.quantiles(xs, n=10)[p // 10 - 1] if p < 100 else max(xs)
            print(f"| {label} | {statistics.median(known):.1f} | {statistics.median(unknown):.1f} | "
                  f"{q(known, 90):.1f} | {q(unknown, 90):.1f} | {sorted(statuses)} |")
    finally:
        server.terminate()
        server.wait(timeout=30)
        smtp.stop()
        j.psql(f"{j.PG}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
