#!/usr/bin/env python3
"""Two towns run a questionnaire, an idea box and a participatory budget at the
same time, from outside the code: the `participation` binary on PostgreSQL +
Redis, citizens registered through the mails they receive, duplicate
submissions fired in parallel, and ids of one town tried in the other.

    python3 tests/e2e/consultations.py [path/to/participation]

Checks: exact counts, zero cross-town reads, zero 500s, CSV cells safe.
Same environment as journeys.py. Exits non-zero on the first surprise.
"""
import csv
import io
import subprocess
from concurrent.futures import ThreadPoolExecutor

from harness import BIN, DOMAIN, operator_token, platform, step, steps

CITIZENS = 12
DUPLICATES = 20
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+33 6 00", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def parallel(calls):
    """Runs every call at once; their results in order."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def open_town(api, inbox, ops, insee, slug):
    """Signs a town up, has the operator approve it; its host and admin token."""
    P = DOMAIN
    contact = f"mairie@{slug}.fr"
    s, town = api.call("POST", P, "/api/v1/signup",
                       {"insee_code": insee, "slug": slug, "contact_email": contact, "contact_name": "Mairie"})
    step(f"{slug}: signs up", s == 201, town)
    api.call("POST", P, "/api/v1/signup/verify", {"token": inbox.link(contact, "/signup/verify")})
    s, _ = api.call("POST", P, f"/api/v1/operator/tenants/{town['id']}/approve", token=ops)
    step(f"{slug}: approved", s == 200, s)
    host = f"{slug}.{DOMAIN}"
    s, admin = api.call("POST", host, "/api/v1/auth/invitations/accept",
                        {"token": inbox.link(contact, "/invitations/accept"),
                         "password": "la mairie au bord de l’eau", "display_name": "Mairie"})
    step(f"{slug}: the admin is in", s == 200, admin)
    return host, admin["access_token"]


def citizen(api, inbox, host, email):
    """Registers `email`, verifies it by mail, logs in; the access token."""
    password = "vélo cargo sous la pluie"
    api.call("POST", host, "/api/v1/auth/register", {"email": email, "password": password, "display_name": email})
    api.call("POST", host, "/api/v1/auth/verify-email", {"token": inbox.link(email, "/verify-email", timeout=60)})
    s, t = api.call("POST", host, "/api/v1/auth/login", {"email": email, "password": password})
    assert s == 200, (email, s, t)
    return t["access_token"]


def run_town(api, inbox, host, admin, slug):
    """One town's three consultations, taken part in by its citizens at once."""
    people = parallel([lambda i=i: citizen(api, inbox, host, f"habitant{i}@{slug}.fr") for i in range(CITIZENS)])
    step(f"{slug}: {CITIZENS} citizens registered by mail", len(people) == CITIZENS)

    def create(body):
        s, c = api.call("POST", host, "/api/v1/consultations", body, token=admin)
        assert s == 201, (s, c)
        return f"/api/v1/consultations/{c['id']}"

    q = create({"title": "Plan vélo", "kind": "questionnaire"})
    _, where = api.call("POST", host, f"{q}/questions", {"kind": "single_choice", "label": "=Où ?", "required": True,
                                                         "options": ["Centre", "Gare", "+École"]}, token=admin)
    _, idea = api.call("POST", host, f"{q}/questions", {"kind": "text", "label": "Idée", "max": 200}, token=admin)
    box = create({"title": "Idées", "kind": "proposals", "categories": ["Mobilité"]})
    budget = create({"title": "Budget", "kind": "budget", "budget_cents": 100_000})
    projects = [api.call("POST", host, f"{budget}/projects", {"title": t, "cost_cents": c}, token=admin)[1]["id"]
                for t, c in [("-Parc", 60_000), ("Piste", 50_000), ("Bancs", 30_000)]]
    for path, what in ((q, "questionnaire"), (box, "idea box"), (budget, "budget")):
        s, _ = api.call("POST", host, f"{path}/publish", token=admin)
        step(f"{slug}: publishes the {what}", s == 200, s)

    # Questionnaire: everyone answers at once, one citizen twenty times over.
    def answer(i):
        body = {"answers": [{"question_id": where["id"], "option_ids": [where["options"][i % 3]["id"]]},
                            {"question_id": idea["id"], "text": FORMULAS[i % len(FORMULAS)]}]}
        return api.call("POST", host, f"{q}/responses", body, token=people[i])[0]
    codes = parallel([lambda i=i: answer(i) for i in range(CITIZENS)] + [lambda: answer(0)] * DUPLICATES)
    step(f"{slug}: {CITIZENS} responses stored, every duplicate 409",
         codes.count(201) == CITIZENS and codes.count(409) == DUPLICATES, codes)

    # Idea box: proposals, then everyone supports the first, one citizen twenty times.
    _, first = api.call("POST", host, f"{box}/proposals", {"title": "Des arceaux", "body": "<script>x</script>",
                                                           "category": "Mobilité"}, token=people[1])
    api.call("POST", host, f"{box}/proposals", {"title": "=1+1", "body": "@A1"}, token=people[2])
    support = f"/api/v1/proposals/{first['id']}/support"
    codes = parallel([lambda t=t: api.call("PUT", host, support, token=t)[0] for t in people]
                     + [lambda: api.call("PUT", host, support, token=people[0])[0]] * DUPLICATES)
    _, listed = api.call("GET", host, f"{box}/proposals")
    top = next(p for p in listed if p["id"] == first["id"])
    step(f"{slug}: supports counted exactly once each", set(codes) == {200} and top["supports"] == CITIZENS,
         (top["supports"], set(codes)))

    # Budget: one ballot each, duplicates refused, over-budget refused.
    s, over = api.call("POST", host, f"{budget}/ballot", {"project_ids": projects[:2]}, token=people[0])
    step(f"{slug}: an over-budget ballot is refused", s == 400 and over["code"] == "over_budget", over)
    codes = parallel([lambda i=i: api.call("POST", host, f"{budget}/ballot",
                                           {"project_ids": [projects[i % 3]]}, token=people[i])[0]
                      for i in range(CITIZENS)]
                     + [lambda: api.call("POST", host, f"{budget}/ballot", {"project_ids": [projects[0]]},
                                         token=people[0])[0]] * DUPLICATES)
    step(f"{slug}: one ballot per citizen", codes.count(201) == CITIZENS and codes.count(409) == DUPLICATES, codes)

    # A comment and a reply.
    s, c = api.call("POST", host, f"{box}/comments", {"body": "=cmd|' /C calc'!A0"}, token=people[3])
    s2, _ = api.call("POST", host, f"{box}/comments", {"body": "D’accord", "parent_id": c["id"]}, token=people[4])
    step(f"{slug}: a comment and its reply", (s, s2) == (201, 201), (s, s2))

    for path in (q, box, budget):
        api.call("POST", host, f"{path}/close", token=admin)
    _, rq = api.call("GET", host, f"{q}/results")
    counts = [o["count"] for o in rq["questions"][0]["options"]]
    step(f"{slug}: questionnaire results count everyone once",
         rq["participants"] == CITIZENS and sum(counts) == CITIZENS and counts == [4, 4, 4], rq["questions"][0])
    _, rb = api.call("GET", host, f"{box}/results")
    step(f"{slug}: idea box results", rb["idea_box"]["supports"] == CITIZENS, rb["idea_box"])
    _, rg = api.call("GET", host, f"{budget}/results")
    votes = sorted(p["votes"] for p in rg["budget"]["projects"])
    step(f"{slug}: budget results", rg["budget"]["ballots"] == CITIZENS and votes == [4, 4, 4], rg["budget"])

    unsafe = []
    for path in (q, box, budget):
        s, raw = api.call("GET", host, f"{path}/export.csv", token=admin)
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        unsafe += [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
        if path == q:
            step(f"{slug}: the questionnaire CSV has a row per response", s == 200 and len(rows) == CITIZENS + 1,
                 len(rows))
    step(f"{slug}: zero unsafe CSV cells", not unsafe, unsafe)
    return {"host": host, "admin": admin, "citizen": people[5], "q": q, "box": box, "budget": budget,
            "proposal": first["id"], "comment": c["id"], "project": projects[0]}


def cross_town(api, a, b):
    """B's people try A's ids on B's host, and B's tokens on A's host."""
    H, t, admin = b["host"], b["citizen"], b["admin"]
    tries = [
        ("GET", a["q"], None, t), ("GET", f"{a['q']}/results", None, t), ("GET", f"{a['q']}/questions", None, t),
        ("POST", f"{a['q']}/responses", {"answers": []}, t), ("GET", f"{a['box']}/proposals", None, t),
        ("PUT", f"/api/v1/proposals/{a['proposal']}/support", None, t),
        ("GET", f"/api/v1/proposals/{a['proposal']}/comments", None, t),
        ("POST", f"/api/v1/comments/{a['comment']}/report", {"reason": "x"}, t),
        ("POST", f"/api/v1/comments/{a['comment']}/hide", {"reason": "x"}, admin),
        ("POST", f"{a['budget']}/ballot", {"project_ids": [a["project"]]}, t),
        ("GET", f"{a['q']}/export.csv", None, admin), ("GET", f"{a['q']}/open-data.json", None, t),
        ("POST", f"{a['q']}/results", {"body": "x"}, admin), ("PATCH", a["q"], {"title": "x", "kind": "questionnaire"}, admin),
    ]
    leaks = [(m, p, s) for m, p, body, tok in tries if (s := api.call(m, H, p, body, token=tok)[0]) != 404]
    step(f"{H}: zero reads or writes of the other town's ids (all 404)", not leaks, leaks)
    s, _ = api.call("GET", a["host"], "/api/v1/me", token=t)
    step(f"{H}: its tokens are refused by the other town", s == 401, s)


def demo(api, env):
    """`participation demo` prints a town and logins that work."""
    out = subprocess.run([BIN, "demo"], env=env, check=True, capture_output=True, text=True).stdout
    host = f"demo.{DOMAIN}"
    admin_line = next(line for line in out.splitlines() if "administratrice" in line)
    email, password = (part.strip() for part in admin_line.split(":", 1)[1].split(" / "))
    s, t = api.call("POST", host, "/api/v1/auth/login", {"email": email, "password": password})
    step("participation demo prints a login that works", f"http://{host}" in out and s == 200, out)
    _, listed = api.call("GET", host, "/api/v1/consultations")
    step("the demo town has one open consultation of each kind",
         sorted(c["kind"] for c in listed) == ["budget", "proposals", "questionnaire"], listed)
    _, results = api.call("GET", host, f"/api/v1/consultations/{listed[0]['id']}/results", token=t["access_token"])
    step("the demo consultations have participants", results["participants"] > 0, results)


def main():
    # Every citizen here comes from 127.0.0.1: the per-IP login limit would stop them.
    settings = {"ARGON2_MEMORY_KIB": "1024", "ARGON2_ITERATIONS": "1", "AUTH_RATE_LIMIT": "1000/min"}
    with platform(settings) as (api, inbox, env, _db):
        ops = operator_token(api, env)
        towns = [open_town(api, inbox, ops, "28191", "hanches"), open_town(api, inbox, ops, "28279", "nogent")]
        a, b = parallel([lambda h=h, t=t: run_town(api, inbox, h, t, h.split(".")[0]) for h, t in towns])
        cross_town(api, a, b)
        cross_town(api, b, a)
        demo(api, env)
        errors = [x for x in api.statuses if x[0] >= 500]
        step(f"zero 500s in {len(api.statuses)} requests", not errors, errors[:5])
    print(f"{len(steps)} steps, all as expected")


if __name__ == "__main__":
    main()
