#!/usr/bin/env python3
"""The SMTP server down for a minute, from outside: the binary on PostgreSQL
+ Redis + a real SMTP server that stops while a town's announcement goes to
30 subscribers, then comes back: every mail must be retried and delivered,
once, and none given up.

    python3 tests/e2e/smtp_outage.py [path/to/participation]

It takes about three minutes (a minute of outage, then the retries' backoff).
"""
import time

from aiosmtpd.controller import Controller

from consultations import open_town
from harness import Inbox, free_port, operator_token, platform, psql, step

SUBSCRIBERS = 30


def delivered(inbox, subject):
    return [r for rcpts, m in list(inbox.messages) if m["Subject"] and subject in m["Subject"] for r in rcpts]


def smtp_outage(api, inbox, smtp_port, host, admin, db_url, controller):
    for i in range(SUBSCRIBERS):
        email = f"abonne{i}@example.fr"
        api.call("POST", host, "/api/v1/subscriptions", {"email": email, "page": "/"})
        api.call("POST", host, "/api/v1/subscriptions/confirm", {"token": inbox.link(email, "/subscriptions/confirm")})
    controller.stop()
    started = time.time()
    s, _ = api.call("POST", host, "/api/v1/admin/announcements", {"subject": "Coupure", "body": "Travaux."}, token=admin)
    step("an announcement is accepted while the SMTP server is down", s == 202, s)
    time.sleep(max(0.0, 60 - (time.time() - started)))
    counts = psql(db_url, "SELECT status || ':' || count(*) FROM deliveries GROUP BY status ORDER BY 1").split()
    step(f"after a minute without SMTP nothing is sent and nothing given up ({' '.join(counts)})",
         not delivered(inbox, "Coupure") and not any(c.startswith("dead:") for c in counts), counts)
    back = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    back.start()
    deadline = time.time() + 180

    def subscribers():
        return [r for r in delivered(inbox, "Coupure") if r.startswith("abonne")]

    while time.time() < deadline and len(set(subscribers())) < SUBSCRIBERS:
        time.sleep(0.5)
    took = time.time() - started
    step(f"once it is back, every mail arrives ({len(set(subscribers()))} of {SUBSCRIBERS}, {took:.0f} s after the send)",
         len(set(subscribers())) == SUBSCRIBERS, len(set(subscribers())))
    time.sleep(5)  # anything sent twice would arrive now
    got = subscribers()
    step("exactly once each", len(got) == len(set(got)) == SUBSCRIBERS, len(got))
    dead = psql(db_url, "SELECT count(*) FROM deliveries WHERE status = 'dead'")
    step("and none was given up", dead == "0", dead)
    return back


def main():
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    settings = {"ARGON2_MEMORY_KIB": "1024", "ARGON2_ITERATIONS": "1", "AUTH_RATE_LIMIT": "1000/min",
                "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}"}
    try:
        with platform(settings) as (api, _unused, env, db_url):
            ops = operator_token(api, env)
            host, admin = open_town(api, inbox, ops, "28191", "hanches")
            controller = smtp_outage(api, inbox, smtp_port, host, admin, db_url, controller)
    finally:
        controller.stop(no_assert=True)


if __name__ == "__main__":
    main()
