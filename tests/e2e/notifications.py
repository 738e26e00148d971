#!/usr/bin/env python3
"""Town news from outside the code: the `participation` binary on PostgreSQL +
Redis with a real SMTP server. Two towns; people subscribe (double opt-in),
choose their notifications, and unsubscribe with one click from the raw
headers of a mail they received.

    python3 tests/e2e/notifications.py [path/to/participation]

Checks: the right mails reach the right people, one-click unsubscribe works
from the captured headers, nothing reaches another town. Same environment as
journeys.py; exits non-zero on the first surprise.
"""
import time
import urllib.parse

from consultations import citizen, open_town
from harness import BIN, DOMAIN, operator_token, platform, step, steps


def subjects(inbox, to):
    return [m["Subject"] for rcpts, m in list(inbox.messages) if to in rcpts]


def wait_for(inbox, to, subject, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if subject in subjects(inbox, to):
            return True
        time.sleep(0.05)
    return False


def settle(seconds=1.5):
    """Lets the worker finish what it was given (nothing else should arrive)."""
    time.sleep(seconds)


def publish(api, host, admin, title):
    s, c = api.call("POST", host, "/api/v1/consultations", {"title": title, "kind": "proposals"}, token=admin)
    assert s == 201, (s, c)
    s, _ = api.call("POST", host, f"/api/v1/consultations/{c['id']}/publish", token=admin)
    assert s == 200, s
    return c["id"]


def subscribe(api, inbox, host, email, confirm=True):
    s, body = api.call("POST", host, "/api/v1/subscriptions", {"email": email, "page": "/"})
    step(f"{email} asks for news", s == 202, body)
    token = inbox.link(email, "/subscriptions/confirm")
    if confirm:
        s, _ = api.call("POST", host, "/api/v1/subscriptions/confirm", {"token": token})
        step(f"{email} confirms by the mailed link", s == 200, s)


def main():
    settings = {"ARGON2_MEMORY_KIB": "1024", "ARGON2_ITERATIONS": "1", "AUTH_RATE_LIMIT": "1000/min"}
    with platform(settings) as (api, inbox, env, _db):
        ops = operator_token(api, env)
        A, admin_a = open_town(api, inbox, ops, "28191", "hanches")
        B, admin_b = open_town(api, inbox, ops, "28279", "nogent")

        subscribe(api, inbox, A, "fidele@example.fr")
        subscribe(api, inbox, A, "hesitant@example.fr", confirm=False)
        subscribe(api, inbox, B, "voisin@example.fr")
        eager = citizen(api, inbox, A, "presse@example.fr")
        s, prefs = api.call("PUT", A, "/api/v1/me/notifications", {"new_consultations": "immediate"}, token=eager)
        step("a citizen asks for new consultations at once", s == 200 and prefs["new_consultations"] == "immediate", prefs)
        calm = citizen(api, inbox, A, "calme@example.fr")
        s, prefs = api.call("GET", A, "/api/v1/me/notifications", token=calm)
        step("another keeps the weekly default", prefs.get("new_consultations") == "weekly", prefs)

        publish(api, A, admin_a, "Le marché")
        subject = "Nouvelle consultation : Le marché"
        got = [wait_for(inbox, to, subject) for to in ("fidele@example.fr", "presse@example.fr")]
        settle()
        step("the confirmed subscriber and the eager citizen hear of it", all(got), got)
        others = [to for to in ("hesitant@example.fr", "calme@example.fr", "voisin@example.fr")
                  if subject in subjects(inbox, to)]
        step("nobody else does: not the unconfirmed, not the weekly, not the other town", not others, others)

        # One click, from the raw headers of the mail the subscriber received.
        mail = next(m for rcpts, m in reversed(inbox.messages) if "fidele@example.fr" in rcpts and m["Subject"] == subject)
        url = str(mail["List-Unsubscribe"]).strip().strip("<>")
        post = str(mail["List-Unsubscribe-Post"])
        parts = urllib.parse.urlsplit(url)
        step("the mail carries List-Unsubscribe and its one-click POST",
             parts.path.startswith("/unsubscribe/") and post == "List-Unsubscribe=One-Click", (url, post))
        s, page = api.call("GET", parts.netloc, parts.path)
        step("opening the link shows a page and changes nothing", s == 200 and b"Ne plus recevoir" in page, s)
        publish(api, A, admin_a, "Les écoles")
        step("still subscribed after the GET", wait_for(inbox, "fidele@example.fr", "Nouvelle consultation : Les écoles"))
        s, _ = api.call_raw("POST", parts.netloc, parts.path, b"List-Unsubscribe=One-Click",
                            "application/x-www-form-urlencoded")
        step("one POST, no cookie, no login, unsubscribes", s == 200, s)
        publish(api, A, admin_a, "La piscine")
        wait_for(inbox, "presse@example.fr", "Nouvelle consultation : La piscine")
        settle()
        step("nothing more of that kind reaches the unsubscribed address",
             "Nouvelle consultation : La piscine" not in subjects(inbox, "fidele@example.fr"))

        # The other town's news stays there.
        publish(api, B, admin_b, "Le pont")
        step("the other town's subscriber hears of its consultation",
             wait_for(inbox, "voisin@example.fr", "Nouvelle consultation : Le pont"))
        settle()
        strays = [to for to in ("fidele@example.fr", "presse@example.fr", "calme@example.fr")
                  if "Nouvelle consultation : Le pont" in subjects(inbox, to)]
        step("and nobody of the first town does", not strays, strays)

        # An announcement: a test to oneself, then everyone who did not opt out.
        note = {"subject": "Travaux", "body": "La rue sera fermée lundi."}
        s, _ = api.call("POST", A, "/api/v1/admin/announcements", {**note, "test": True}, token=admin_a)
        step("a test announcement goes to the admin alone", s == 202 and wait_for(inbox, "mairie@hanches.fr", "Travaux"))
        s, _ = api.call("POST", A, "/api/v1/admin/announcements", note, token=admin_a)
        reached = [wait_for(inbox, to, "Travaux") for to in ("fidele@example.fr", "presse@example.fr", "calme@example.fr")]
        settle()
        step("the announcement reaches the town's subscribers and citizens", s == 202 and all(reached), reached)
        step("and not the other town's", "Travaux" not in subjects(inbox, "voisin@example.fr"))

        s, log = api.call("GET", A, "/api/v1/admin/deliveries", token=admin_a)
        step("the delivery log counts what was sent", s == 200 and log["last_30_days"]["by_status"].get("sent", 0) > 0, log)
        towns = {"hanches": "Hanches", "nogent": "Nogent"}
        crossed = [(to, m["From"]) for rcpts, m in inbox.messages for to in rcpts
                   if to.endswith("@example.fr") and "voisin" in to and towns["hanches"] in str(m["From"])]
        step("no mail from one town reached the other town's people", not crossed, crossed)
        errors = [x for x in api.statuses if x[0] >= 500]
        step(f"zero 500s in {len(api.statuses)} requests", not errors, errors[:5])
    print(f"{len(steps)} steps, all as expected")


if __name__ == "__main__":
    main()
