#!/usr/bin/env python3
"""The mail worker killed with SIGKILL during a fan-out, from outside: the
services as the cluster runs them, each its own process on PostgreSQL +
Redis (participation-auth for the town's signup and logins,
participation-notifications for subscriptions and announcements, and one
participation-worker), with a real SMTP server that counts what it receives.

A town's announcement goes to SIZE confirmed subscribers (10,000 by default;
one subscribes and confirms through the API, the others are SQL copies of its
row). Once a third has reached the SMTP server the worker is killed with
SIGKILL and a new one is started at once. The jobs the dead worker held stay
pending in the Redis consumer group and are claimed back by the new worker
(XAUTOCLAIM) after MAIL_VISIBILITY_TIMEOUT (120 s, the default, unless set in
the environment); the deliveries it held are freed when PostgreSQL sees its
connections drop.

The bound on duplicates, from services/notifications/src/worker.rs and
deliver.rs: a worker holds at most `jobs_per_receive` = 4 send jobs at once,
each of at most `deliveries_per_job` = 100 deliveries, locked in one
transaction per job; mails of a job are handed to SMTP 4 at a time and all
marked `sent` by one statement just before the job's commit. A SIGKILL rolls
back every open job: mails already accepted by the SMTP server in those jobs
are sent again. So at most 4 × 100 = 400 duplicates (at most 16 of them were
literally on the wire at the kill).

Checks and figures: every subscriber gets it (distinct recipients), the
duplicates (≤ 400), every delivery `sent` in the database, none dead, what
each worker sent, the time to the last mail.

    E2E_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres E2E_REDIS_URL=redis://127.0.0.1:6379 \
      python3 tests/e2e/worker_kill.py [target/debug] [SIZE]

With the debug binaries and 10,000 subscribers it takes about 2.3 minutes
(135-140 s), most of it the 120-second visibility timeout; with
MAIL_VISIBILITY_TIMEOUT=15 about 30 s.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid

from aiosmtpd.controller import Controller

from harness import DOMAIN, REDIS, Api, Inbox, alive, free_port, psql, step
from private_services import (MailCounter, announce_to_many, drop_database, drop_redis_keys, fresh_database,
                              metric, statuses_by)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "debug")
SIZE = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
KILL_AT = 1 / 3
SUBJECT = "Annonce du conseil municipal"
VISIBILITY = os.environ.get("MAIL_VISIBILITY_TIMEOUT", "120")
JOBS_PER_RECEIVE, DELIVERIES_PER_JOB, CONCURRENCY = 4, 100, 4  # WorkerSettings::from_config
BOUND = JOBS_PER_RECEIVE * DELIVERIES_PER_JOB


class Service:
    """One binary `serve`d on its own ports."""

    def __init__(self, name, binary, env, run_dir):
        self.name, self.http, self.metrics = name, free_port(), free_port()
        self.log = open(os.path.join(run_dir, f"{name}.log"), "w")
        self.proc = subprocess.Popen(
            [os.path.join(BIN_DIR, binary), "serve"],
            env={**env, "LISTEN_ADDR": f"127.0.0.1:{self.http}", "METRICS_ADDR": f"127.0.0.1:{self.metrics}"},
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def wait_ready(self, timeout=60):
        api = Api(self.http)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"FAIL {self.name} exited with {self.proc.returncode}; see {self.log.name}")
            try:
                if api.call("GET", DOMAIN, "/readyz")[0] == 200:
                    return api
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"FAIL {self.name} not ready in {timeout} s")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def main():
    inbox = Inbox()
    counter = MailCounter(inbox, SUBJECT.encode())
    smtp = Controller(counter, hostname="127.0.0.1", port=free_port())
    smtp.start()
    name, db_url, db_env = fresh_database("e2e_worker_kill")
    run_dir = tempfile.mkdtemp(prefix="e2e-worker-kill-")
    os.makedirs(os.path.join(run_dir, "jwt"))
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", os.path.join(run_dir, "jwt", "k1.pem")],
                   check=True, capture_output=True)
    env = {
        "PATH": os.environ.get("PATH", ""),
        **db_env,
        "REDIS_URL": REDIS,
        "REDIS_KEY_PREFIX": f"e2e-{uuid.uuid4().hex}",
        "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "PLATFORM_DOMAIN": DOMAIN,
        "DATA_DIR": os.path.join(run_dir, "data"),
        "JWT_KEYS_DIR": os.path.join(run_dir, "jwt"),
        "SIGNING_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
        "ARGON2_MEMORY_KIB": "1024",
        "ARGON2_ITERATIONS": "1",
        "AUTH_RATE_LIMIT": "1000/min",
        "MAIL_RATE_PER_SECOND": "0",
        "MAIL_VISIBILITY_TIMEOUT": VISIBILITY,
    }
    services = []
    print(f"{SIZE} subscribers; MAIL_VISIBILITY_TIMEOUT={VISIBILITY}; duplicates allowed: {BOUND} "
          f"({JOBS_PER_RECEIVE} jobs × {DELIVERIES_PER_JOB} deliveries); logs in {run_dir}", flush=True)
    try:
        subprocess.run([os.path.join(BIN_DIR, "participation"), "migrate"], env=env, check=True, capture_output=True)
        # One after the other: what is under test here is the worker's death, not the start-up.
        auth = Service("auth", "participation-auth", env, run_dir)
        services.append(auth)
        api = auth.wait_ready()
        notifications = Service("notifications", "participation-notifications", env, run_dir)
        services.append(notifications)
        news = notifications.wait_ready()
        worker1 = Service("worker-1", "participation-worker", env, run_dir)
        services.append(worker1)
        worker1.wait_ready()
        step("auth, notifications and a worker run as three processes", True)

        out = subprocess.run([os.path.join(BIN_DIR, "participation"), "operator", "create", "--email",
                              "ops@example.fr"], env=env, check=True, capture_output=True, text=True).stdout
        pw = "une phrase de passe pour l’opérateur"
        api.call("POST", DOMAIN, "/api/v1/auth/password/reset", {"token": out.split("token=", 1)[1].split()[0],
                                                                 "password": pw})
        s, tokens = api.call("POST", DOMAIN, "/api/v1/auth/login", {"email": "ops@example.fr", "password": pw})
        step("the operator logs in (auth service)", s == 200, tokens)
        from consultations import open_town
        host, admin = open_town(api, inbox, tokens["access_token"], "28191", "hanches")

        sent_at, before = announce_to_many(news, inbox, host, admin, db_url, counter, SIZE, SUBJECT, KILL_AT)
        by_first = metric(worker1.metrics, "mail_deliveries_total", 'status="sent"')
        killed_at = time.time()
        os.kill(worker1.proc.pid, signal.SIGKILL)
        worker1.proc.wait(timeout=10)
        at_kill = counter.distinct("abonne")
        # PostgreSQL rolls back the dead worker's open transactions as soon as it sees its connections drop.
        time.sleep(0.5)
        event_id = psql(db_url, f"SELECT id FROM outbox WHERE payload::text LIKE '%{SUBJECT}%' LIMIT 1")
        recorded = int(psql(db_url, f"SELECT count(*) FROM deliveries WHERE event_id = '{event_id}' "
                                    "AND status = 'sent' AND recipient LIKE 'abonne%'"))
        unrecorded = at_kill - recorded
        worker2 = Service("worker-2", "participation-worker", env, run_dir)
        services.append(worker2)
        step(f"worker-1 killed with SIGKILL ({at_kill} of {SIZE} out; it had recorded {by_first:.0f} sent); "
             "worker-2 started", not alive(worker1.proc.pid))
        worker2.wait_ready()

        limit = float(VISIBILITY) + 180
        deadline = killed_at + limit
        while time.time() < deadline and counter.distinct("abonne") < SIZE:
            time.sleep(0.2)
        done_at = time.time()
        got = counter.distinct("abonne")
        time.sleep(5)  # anything sent twice would arrive now
        dups = counter.duplicates("abonne")
        by_second = metric(worker2.metrics, "mail_deliveries_total", 'status="sent"')
        rate = at_kill / max(0.001, killed_at - sent_at)
        print(f"figures: {at_kill} mails in {killed_at - sent_at:.1f} s before the kill ({rate:.0f}/s); "
              f"the last one {done_at - killed_at:.1f} s after the kill, {done_at - sent_at:.1f} s after the send",
              flush=True)
        pause, since = counter.longest_pause(killed_at)
        print(f"figures: longest pause without a mail after the kill: {pause:.1f} s, from {since - killed_at:+.1f} s; "
              f"at the kill {unrecorded} mails had reached the SMTP server without being recorded sent "
              f"(rolled back with worker-1's open jobs)", flush=True)
        print(f"figures: {got} distinct recipients of {SIZE}, {counter.total('abonne')} mails, {dups} duplicates "
              f"(bound {BOUND}); sent as recorded by worker-1 before the kill {by_first:.0f}, by worker-2 "
              f"{by_second:.0f}", flush=True)
        step(f"every subscriber gets the announcement ({got} of {SIZE}, within {limit:.0f} s of the kill)",
             got == SIZE, (got, statuses_by(db_url)))
        step(f"duplicates no more than the {BOUND} mails a worker may hold unrecorded ({dups})", dups <= BOUND, dups)
        event_id = psql(db_url, f"SELECT id FROM outbox WHERE payload::text LIKE '%{SUBJECT}%' LIMIT 1")
        mine = dict(line.split("|") for line in psql(
            db_url, f"SELECT status, count(*) FROM deliveries WHERE event_id = '{event_id}' GROUP BY 1")
            .split("\n") if line)
        step(f"in the database every delivery of the announcement is sent ({mine})",
             int(mine.get("sent", 0)) >= SIZE + 1 and set(mine) == {"sent"}, mine)
        fives = [x for x in api.statuses + news.statuses if x[0] >= 500]
        step("no answer was a 5xx", not fives, fives)
    finally:
        for service in services:
            service.stop()
        smtp.stop()
        drop_database(name)
        drop_redis_keys(REDIS, env["REDIS_KEY_PREFIX"])


if __name__ == "__main__":
    started = time.time()
    try:
        main()
    finally:
        print(f"took {time.time() - started:.0f} s", flush=True)
