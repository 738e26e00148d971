#!/usr/bin/env python3
"""Redis restarted, losing its data, during a town's announcement to SIZE
confirmed subscribers (10,000 by default), from outside: `participation
serve` on PostgreSQL + a PRIVATE redis-server (no persistence, a free port)
+ a real SMTP server that counts what it receives.

One subscriber subscribes and confirms through the API (double opt-in, the
consent kept); the other SIZE are copies of that row made in SQL (same town,
same consent, their own id and address). The admin sends an announcement;
once a third of it has reached the SMTP server, redis-server is killed
(SIGKILL: its stream, consumer group and pending jobs are gone) and a fresh,
empty one is started on the same port two seconds later. The worker recreates
the stream and group, and its sweep re-queues from PostgreSQL every delivery
whose job was lost, once MAIL_VISIBILITY_TIMEOUT has passed (120 s, the
default, unless set in the environment).

Checks and figures: every subscriber gets the announcement (distinct
recipients at the SMTP server), how many got it twice (must be none: the
rows sent are committed in PostgreSQL, which did not move), every delivery
`sent` in the database, none dead; the time to kill, the time to the last
mail, and the rate before and after.

    E2E_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
      python3 tests/e2e/redis_restart.py [target/debug/participation] [SIZE]

E2E_REDIS_URL is not used: Redis is private. With the debug binary and
10,000 subscribers it takes about 2.5 minutes (140-150 s), 120 s of them the
visibility timeout; with MAIL_VISIBILITY_TIMEOUT=15 about 40 s.
"""
import os
import sys
import time

from aiosmtpd.controller import Controller

import harness
from consultations import open_town
from harness import Inbox, free_port, operator_token, platform, psql, step
from private_services import MailCounter, PrivateRedis, announce_to_many, statuses_by

SIZE = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
KILL_AT = 1 / 3
SUBJECT = "Grande annonce du conseil"
VISIBILITY = os.environ.get("MAIL_VISIBILITY_TIMEOUT", "120")


def main():
    redis = PrivateRedis()
    redis.start()
    print(f"private Redis on port {redis.port}; {SIZE} subscribers; MAIL_VISIBILITY_TIMEOUT={VISIBILITY}", flush=True)
    harness.REDIS = redis.url
    inbox = Inbox()
    counter = MailCounter(inbox, SUBJECT.encode())
    smtp = Controller(counter, hostname="127.0.0.1", port=free_port())
    smtp.start()
    settings = {"ARGON2_MEMORY_KIB": "1024", "ARGON2_ITERATIONS": "1", "AUTH_RATE_LIMIT": "1000/min",
                "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}", "MAIL_RATE_PER_SECOND": "0",
                "MAIL_VISIBILITY_TIMEOUT": VISIBILITY}
    log = open(os.path.join(redis.dir, "participation.log"), "w")
    try:
        with platform(settings, log=log) as (api, _unused, env, db_url):
            ops = operator_token(api, env)
            host, admin = open_town(api, inbox, ops, "28191", "hanches")
            sent_at, before = announce_to_many(api, inbox, host, admin, db_url, counter, SIZE, SUBJECT, KILL_AT)
            stream_len = redis.cli("XLEN", f"{env['REDIS_KEY_PREFIX']}:jobs")
            killed_at = time.time()
            redis.kill()
            at_kill = counter.distinct("abonne")
            time.sleep(2)
            redis.start()
            keys = redis.cli("DBSIZE")
            step(f"redis-server killed (stream of {stream_len} jobs, {at_kill} of {SIZE} mails out) "
                 f"and a fresh one started, empty ({keys} keys)", keys in ("0", "1", "2", "3"), keys)

            limit = float(VISIBILITY) + 180
            deadline = killed_at + limit
            last, last_change = -1, time.time()
            while time.time() < deadline and counter.distinct("abonne") < SIZE:
                got = counter.distinct("abonne")
                if got != last:
                    last, last_change = got, time.time()
                time.sleep(0.2)
            done_at = time.time()
            got = counter.distinct("abonne")
            time.sleep(5)  # anything sent twice would arrive now
            dups = counter.duplicates("abonne")
            rate_before = at_kill / max(0.001, killed_at - sent_at)
            print(f"figures: {at_kill} mails in {killed_at - sent_at:.1f} s before the kill ({rate_before:.0f}/s); "
                  f"{got - at_kill} more after it; the last one {done_at - killed_at:.1f} s after the kill, "
                  f"{done_at - sent_at:.1f} s after the send", flush=True)
            pause, since = counter.longest_pause(killed_at)
            print(f"figures: longest pause without a mail after the kill: {pause:.1f} s, from "
                  f"{since - killed_at:+.1f} s (lost jobs wait MAIL_VISIBILITY_TIMEOUT for the sweep)", flush=True)
            print(f"figures: {got} distinct recipients of {SIZE}, {counter.total('abonne')} mails, "
                  f"{dups} duplicates", flush=True)
            step(f"every subscriber gets the announcement ({got} of {SIZE}, within {limit:.0f} s of the kill)",
                 got == SIZE, (got, f"stuck since {time.time() - last_change:.0f} s", statuses_by(db_url)))
            step(f"nobody gets it twice ({dups} duplicates)", dups == 0, dups)
            statuses = statuses_by(db_url)
            event_id = psql(db_url, f"SELECT id FROM outbox WHERE payload::text LIKE '%{SUBJECT}%' LIMIT 1")
            mine = dict(line.split("|") for line in psql(
                db_url, f"SELECT status, count(*) FROM deliveries WHERE event_id = '{event_id}' GROUP BY 1")
                .split("\n") if line)
            # The subscribers, the model subscriber and the town's admin (a verified citizen).
            step(f"in the database every delivery of the announcement is sent ({mine})",
                 int(mine.get("sent", 0)) >= SIZE + 1 and set(mine) == {"sent"}, (mine, statuses))
            dead = redis.cli("XLEN", f"{env['REDIS_KEY_PREFIX']}:dead")
            step(f"nothing dead-lettered on the new Redis ({dead})", dead in ("0", ""), dead)
    finally:
        log.close()
        smtp.stop()
        harness.REDIS = None
        redis.destroy()


if __name__ == "__main__":
    started = time.time()
    try:
        main()
    finally:
        print(f"took {time.time() - started:.0f} s", flush=True)
