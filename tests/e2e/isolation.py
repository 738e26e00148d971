#!/usr/bin/env python3
"""The isolation matrix, from outside the code: two towns on the `participation`
binary (PostgreSQL + Redis + a real SMTP server). Town B is seeded through the
API with one of everything, each text carrying a marker; then every operation
of the OpenAPI document (`GET /api/v1/openapi.json`) is called as each role of
town A (anonymous, citizen, moderator, admin, and the operator):

  (a) on A's host with B's ids in the path (and in bodies that name ids, also
      under A's own ids), B's one-time tokens and refresh token in bodies that
      take one, B's addresses where a body asks for one to log in by;
  (b) on B's host with A's tokens, against the same request made anonymously
      (what B shows anyone is not a leak; more than that is);
  (c) on the platform host with B's ids, A's tokens (operator routes).

    python3 tests/e2e/isolation.py [path/to/participation]

Checks: no answer holds any of B's ids, markers, addresses or tokens (other
than what the request itself sent); no 5xx; B's rows are unchanged after
every request (a digest of each of B's tables taken after each call), except
on B's host by a request that anyone may make anonymously. Paths that cannot
be filled are reported. Prints a summary; exits non-zero on any finding.
"""
import io
import json
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from datetime import datetime, timedelta, timezone

from consultations import citizen, open_town
from harness import DOMAIN, operator_token, platform, psql, step

RUN = uuid.uuid4().hex[:6]
MARKERS = []
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
METHODS = ("get", "put", "post", "patch", "delete")
PASSWORD = "vélo cargo sous la pluie"


def mark(what):
    """A unique string to look for in every answer."""
    m = f"zqb{len(MARKERS):03d}{what}{RUN}"
    MARKERS.append(m)
    return m


class Client:
    """Raw HTTP with the Host header and an optional Bearer token; counts requests."""

    def __init__(self, api):
        self.api = api
        self.count = 0

    def send(self, method, host, path, body=None, token=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.api.base + path, data=data, method=method)
        req.add_header("Host", host)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                raw, status, kind = res.read(), res.status, res.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            raw, status, kind = e.read(), e.code, e.headers.get("Content-Type", "")
        self.count += 1
        self.api.statuses.append((status, method, path))
        return status, raw, kind


def readable(raw):
    """The text of an answer, a zip's members included, lower-cased."""
    text = raw.decode("utf-8", "replace")
    if raw[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                text += "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        except zipfile.BadZipFile:
            pass
    return text.lower()


# ---------------------------------------------------------------- seeding

def accept_invitation(api, inbox, host, email, after):
    token = inbox.link(email, "/invitations/accept", after=after)
    s, t = api.call("POST", host, "/api/v1/auth/invitations/accept",
                    {"token": token, "password": PASSWORD, "display_name": email.split("@")[0]})
    assert s == 200, (email, s, t)
    return t


def invite(api, inbox, host, admin, email, role, accept=True):
    seen = len(inbox.messages)
    s, body = api.call("POST", host, "/api/v1/admin/members", {"email": email, "role": role}, token=admin)
    assert s == 202, (s, body)
    if accept:
        return accept_invitation(api, inbox, host, email, seen)
    return inbox.link(email, "/invitations/accept", after=seen)


def create(api, host, admin, body):
    s, c = api.call("POST", host, "/api/v1/consultations", body, token=admin)
    assert s == 201, (s, c, body)
    return c["id"]


def seed_b(api, inbox, ops, host, admin, tenant_id):
    """One of everything in town B, texts marked; B's ids, tokens and people."""
    b = {"host": host, "admin": admin, "tokens": {}}
    call = api.call
    moderator = invite(api, inbox, host, admin, f"moderatrice-{RUN}@nogent-b.fr", "moderator")
    b["tokens"]["invitation"] = invite(api, inbox, host, admin, f"invitee-{RUN}@nogent-b.fr", "admin", accept=False)
    people = [citizen(api, inbox, host, f"habitant{i}-{RUN}@nogent-b.fr") for i in range(3)]
    for i, t in enumerate(people):
        call("PATCH", host, "/api/v1/me", {"display_name": mark(f"name{i}")}, token=t)
        call("PUT", host, "/api/v1/me/notifications", {"digest": "immediate", "language": "en"}, token=t)
    s, login = call("POST", host, "/api/v1/auth/login", {"email": f"habitant0-{RUN}@nogent-b.fr", "password": PASSWORD})
    b["tokens"]["refresh"] = login["refresh_token"]
    unverified = f"nonverifie-{RUN}@nogent-b.fr"
    call("POST", host, "/api/v1/auth/register", {"email": unverified, "password": PASSWORD,
                                                  "display_name": mark("unverified")})
    b["tokens"]["verify"] = inbox.link(unverified, "/verify-email")
    seen = len(inbox.messages)
    call("POST", host, "/api/v1/auth/magic-link", {"email": f"habitant1-{RUN}@nogent-b.fr"})
    b["tokens"]["login_link"] = inbox.link(f"habitant1-{RUN}@nogent-b.fr", "/login/link", after=seen)
    seen = len(inbox.messages)
    call("POST", host, "/api/v1/auth/password/forgot", {"email": f"habitant2-{RUN}@nogent-b.fr"})
    b["tokens"]["reset"] = inbox.link(f"habitant2-{RUN}@nogent-b.fr", "/password/reset", after=seen)

    # Subscribers: one confirmed, one not.
    confirmed, pending = f"abonne-{RUN}@nogent-b.fr", f"attente-{RUN}@nogent-b.fr"
    for email in (confirmed, pending):
        s, _ = call("POST", host, "/api/v1/subscriptions", {"email": email, "page": "/"})
        assert s == 202, s
    call("POST", host, "/api/v1/subscriptions/confirm", {"token": inbox.link(confirmed, "/subscriptions/confirm")})
    b["tokens"]["subscription"] = inbox.link(pending, "/subscriptions/confirm")

    # The town's own texts and look, a custom domain and a quota.
    s, _ = call("PUT", host, "/api/v1/admin/town", {"name": f"Nogent {mark('townname')}",
                                                     "public_email": f"contact-{RUN}@nogent-b.fr",
                                                     "legal_notice": mark("legal"), "privacy_notice": mark("privacy"),
                                                     "accessibility_statement": mark("a11y")}, token=admin)
    assert s == 200, s
    call("PUT", host, "/api/v1/admin/branding", {"logo_url": f"https://example.fr/{mark('logo')}.png",
                                                  "color": "#123456"}, token=admin)
    s, _ = call("POST", DOMAIN, f"/api/v1/operator/tenants/{tenant_id}/domains",
                {"domain": f"{mark('domain')}.example.fr"}, token=ops)
    assert s in (200, 201), s
    call("PUT", DOMAIN, f"/api/v1/operator/tenants/{tenant_id}/mail-quota", {"monthly_mails": 5000}, token=ops)

    # A questionnaire answered, closed and with its results published.
    q = create(api, host, admin, {"title": mark("qtitle"), "summary": mark("qsummary"), "body": mark("qbody"),
                                  "kind": "questionnaire"})
    _, single = call("POST", host, f"/api/v1/consultations/{q}/questions",
                     {"kind": "single_choice", "label": mark("qlabel"), "required": True,
                      "options": [mark("opt"), mark("opt")]}, token=admin)
    _, text = call("POST", host, f"/api/v1/consultations/{q}/questions",
                   {"kind": "text", "label": mark("qtext"), "max": 200}, token=admin)
    _, scale = call("POST", host, f"/api/v1/consultations/{q}/questions",
                    {"kind": "scale", "label": mark("qscale"), "min": 1, "max": 5}, token=admin)
    _, multi = call("POST", host, f"/api/v1/consultations/{q}/questions",
                    {"kind": "multiple_choice", "label": mark("qmulti"), "options": [mark("opt"), mark("opt")],
                     "min": 1, "max": 2}, token=admin)
    call("POST", host, f"/api/v1/consultations/{q}/publish", token=admin)
    for t in people[:2]:
        s, r = call("POST", host, f"/api/v1/consultations/{q}/responses", {"answers": [
            {"question_id": single["id"], "option_ids": [single["options"][0]["id"]]},
            {"question_id": text["id"], "text": mark("answer")},
            {"question_id": scale["id"], "value": 4},
            {"question_id": multi["id"], "option_ids": [o["id"] for o in multi["options"]]}]}, token=t)
        assert s == 201, (s, r)
    call("POST", host, f"/api/v1/consultations/{q}/close", token=admin)
    s, _ = call("POST", host, f"/api/v1/consultations/{q}/results", {"body": mark("results")}, token=admin)
    assert s == 200, s

    # An idea box: proposals, supports, an answer, comments, replies, a report, a hidden one.
    box = create(api, host, admin, {"title": mark("boxtitle"), "kind": "proposals", "body": mark("boxbody"),
                                    "categories": [mark("cat")]})
    call("POST", host, f"/api/v1/consultations/{box}/publish", token=admin)
    proposals = []
    for i, t in enumerate(people[:2]):
        s, p = call("POST", host, f"/api/v1/consultations/{box}/proposals",
                    {"title": mark("ptitle"), "body": mark("pbody")}, token=t)
        assert s == 201, (s, p)
        proposals.append(p["id"])
        call("PUT", host, f"/api/v1/proposals/{p['id']}/support", token=people[2 - i])
    call("POST", host, f"/api/v1/proposals/{proposals[0]}/answer", {"status": "accepted", "answer": mark("panswer")},
         token=moderator["access_token"])
    comments = []
    for where in (f"/api/v1/consultations/{box}/comments", f"/api/v1/proposals/{proposals[0]}/comments"):
        s, c = call("POST", host, where, {"body": mark("comment")}, token=people[0])
        assert s == 201, (s, c)
        s, r = call("POST", host, where, {"body": mark("reply"), "parent_id": c["id"]}, token=people[1])
        assert s == 201, (s, r)
        comments += [c["id"], r["id"]]
    s, hidden = call("POST", host, f"/api/v1/consultations/{box}/comments", {"body": mark("hidden")}, token=people[2])
    call("POST", host, f"/api/v1/comments/{comments[0]}/report", {"reason": mark("report")}, token=people[2])
    call("POST", host, f"/api/v1/comments/{hidden['id']}/report", {"reason": mark("report")}, token=people[1])
    call("POST", host, f"/api/v1/comments/{hidden['id']}/hide", {"reason": mark("hide")}, token=moderator["access_token"])
    comments.append(hidden["id"])

    # A budget with projects and ballots.
    budget = create(api, host, admin, {"title": mark("btitle"), "kind": "budget", "budget_cents": 100_000})
    projects = [call("POST", host, f"/api/v1/consultations/{budget}/projects",
                     {"title": mark("project"), "description": mark("pdesc"), "cost_cents": c}, token=admin)[1]["id"]
                for c in (40_000, 30_000)]
    call("POST", host, f"/api/v1/consultations/{budget}/publish", token=admin)
    for t in people:
        s, _ = call("POST", host, f"/api/v1/consultations/{budget}/ballot", {"project_ids": projects[:1]}, token=t)
        assert s == 201, s

    # For the signed-in only, a draft, an upcoming one and an archived one.
    members_only = create(api, host, admin, {"title": mark("regtitle"), "kind": "proposals", "audience": "registered"})
    call("POST", host, f"/api/v1/consultations/{members_only}/publish", token=admin)
    draft = create(api, host, admin, {"title": mark("drafttitle"), "kind": "questionnaire", "body": mark("draftbody")})
    later = (datetime.now(timezone.utc) + timedelta(days=30)).isoformat()
    upcoming = create(api, host, admin, {"title": mark("uptitle"), "kind": "proposals", "opens_at": later})
    call("POST", host, f"/api/v1/consultations/{upcoming}/publish", token=admin)
    archived = create(api, host, admin, {"title": mark("archtitle"), "kind": "proposals"})
    for action in ("publish", "close", "archive"):
        call("POST", host, f"/api/v1/consultations/{archived}/{action}", token=admin)

    # An announcement mailed to everyone (deliveries), and a test to the admin.
    s, _ = call("POST", host, "/api/v1/admin/announcements", {"subject": mark("subject"), "body": mark("news")},
                token=admin)
    assert s == 202, s
    call("POST", host, "/api/v1/admin/announcements", {"subject": mark("test"), "body": mark("news"), "test": True},
         token=admin)
    deadline = time.time() + 30
    while time.time() < deadline and not any(confirmed in r and "List-Unsubscribe" in m for r, m in inbox.messages):
        time.sleep(0.1)
    mail = next(m for r, m in reversed(inbox.messages) if confirmed in r and "List-Unsubscribe" in m)
    b["tokens"]["unsubscribe"] = str(mail["List-Unsubscribe"]).strip().strip("<>").rsplit("/", 1)[1]
    b.update(consultations=[q, box, budget, members_only, draft, upcoming, archived], proposals=proposals,
             comments=comments, projects=projects, questions=[single["id"], text["id"], scale["id"], multi["id"]],
             options=[o["id"] for o in single["options"] + multi["options"]], citizens=people,
             moderator=moderator["access_token"])
    return b


def seed_a(api, inbox, host, admin):
    """Town A's own roles and one open consultation of each kind."""
    a = {"host": host, "admin": admin}
    a["moderator"] = invite(api, inbox, host, admin, f"moderateur-{RUN}@hanches-a.fr", "moderator")["access_token"]
    a["citizen"] = citizen(api, inbox, host, f"citoyen-{RUN}@hanches-a.fr")
    q = create(api, host, admin, {"title": "Questionnaire A", "kind": "questionnaire"})
    api.call("POST", host, f"/api/v1/consultations/{q}/questions",
             {"kind": "text", "label": "Votre avis", "required": False}, token=admin)
    box = create(api, host, admin, {"title": "Boîte A", "kind": "proposals"})
    budget = create(api, host, admin, {"title": "Budget A", "kind": "budget", "budget_cents": 100_000})
    api.call("POST", host, f"/api/v1/consultations/{budget}/projects", {"title": "Banc", "cost_cents": 100},
             token=admin)
    for c in (q, box, budget):
        api.call("POST", host, f"/api/v1/consultations/{c}/publish", token=admin)
    _, p = api.call("POST", host, f"/api/v1/consultations/{box}/proposals", {"title": "Idée A", "body": "Texte A"},
                    token=a["citizen"])
    _, c = api.call("POST", host, f"/api/v1/consultations/{box}/comments", {"body": "Commentaire A"},
                    token=a["citizen"])
    a.update(consultations=[q, box, budget], proposals=[p["id"]], comments=[c["id"]])
    return a


# ---------------------------------------------------------------- B's rows

def town_tables(db_url):
    """Every table with a `tenant_id` column."""
    return psql(db_url, "SELECT DISTINCT table_name FROM information_schema.columns WHERE column_name = 'tenant_id' "
                        "AND table_schema = 'public' ORDER BY 1").split()


def snapshot_sql(tables, tid):
    parts = [f"SELECT 'tenants' AS t, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h "
             f"FROM tenants x WHERE id = '{tid}'"]
    for table in tables:
        # Time-driven mailings (the weekly digest, closing reminders) are the worker's, not a request's.
        # Their keys are the town's id, a slash, then `digest:…` or `closing:…`.
        timed = "idempotency_key LIKE '%digest:%' OR idempotency_key LIKE '%closing:%'"
        extra = {"outbox": f" AND NOT ({timed})",
                 "deliveries": f" AND event_id NOT IN (SELECT id FROM outbox WHERE {timed})"}.get(table, "")
        parts.append(f"SELECT '{table}', md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) "
                     f"FROM \"{table}\" x WHERE tenant_id = '{tid}'{extra}")
    return " UNION ALL ".join(parts)


class Rows:
    """A digest per table of B's rows, to tell which request changed them; one
    psql session kept open (a new one per look would cost more than the request)."""

    def __init__(self, db_url, tid):
        self.sql = snapshot_sql(town_tables(db_url), tid)
        self.psql = subprocess.Popen(["psql", db_url, "-Atq", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.calls = 0
        self.last = self.take()

    def take(self):
        self.psql.stdin.write(self.sql + ";\n\\echo __end__\n")
        self.psql.stdin.flush()
        out = {}
        for line in self.psql.stdout:
            line = line.rstrip("\n")
            if line == "__end__":
                return out
            table, digest = line.split("|", 1)
            out[table] = digest
        raise RuntimeError("psql ended")

    def close(self):
        self.psql.stdin.close()
        self.psql.wait(timeout=10)

    def changed(self):
        """The tables of B changed since the last look."""
        self.calls += 1
        now = self.take()
        diff = sorted(t for t in now if now[t] != self.last.get(t))
        self.last = now
        return diff

    def settle(self, quiet=1.0, timeout=60):
        """Waits until the worker leaves B's rows alone for `quiet` seconds."""
        deadline = time.time() + timeout
        stable_since = time.time()
        while time.time() < deadline:
            if self.changed():
                stable_since = time.time()
            elif time.time() - stable_since > quiet:
                return True
            time.sleep(0.25)
        return False


def b_secrets(db_url, tid, b):
    """Every uuid of B's rows, every address of B, its markers and tokens."""
    ids = {tid}
    for table in town_tables(db_url):
        has_id = psql(db_url, f"SELECT count(*) FROM information_schema.columns WHERE table_name = '{table}' "
                              f"AND column_name = 'id' AND table_schema = 'public'")
        if has_id == "1":
            ids |= {v for v in psql(db_url, f"SELECT id::text FROM \"{table}\" WHERE tenant_id = '{tid}'").split()
                    if UUID.match(v)}
    emails = set(psql(db_url, f"SELECT email FROM users WHERE tenant_id = '{tid}' UNION "
                              f"SELECT email FROM subscriptions WHERE tenant_id = '{tid}' UNION "
                              f"SELECT contact_email FROM tenants WHERE id = '{tid}'").split())
    tokens = set(b["tokens"].values())
    return {"id": ids, "email": {e.lower() for e in emails}, "marker": set(MARKERS), "token": tokens}


# ---------------------------------------------------------------- requests from the document

def resolve(doc, schema):
    while isinstance(schema, dict) and "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for key in ("oneOf", "anyOf", "allOf"):
        if isinstance(schema, dict) and key in schema:
            options = [s for s in schema[key] if resolve(doc, s).get("type") != "null"]
            return resolve(doc, options[0]) if options else {}
    return schema or {}


def kind_of(schema):
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    return t


class Filler:
    """Fills an operation's parameters and body with the ids of `ids` (a town's
    ids by kind) and values by field name."""

    def __init__(self, doc, ids, emails, tokens):
        self.doc, self.ids, self.emails, self.tokens = doc, ids, emails, tokens

    def id_for(self, name, path):
        base = name[:-4] if name.endswith("_ids") else name[:-3] if name.endswith("_id") else name
        kinds = {"question": "questions", "option": "options", "project": "projects", "parent": "comments",
                 "proposal": "proposals", "comment": "comments", "consultation": "consultations",
                 "tenant": "tenants", "user": "users"}
        return self.ids.get(kinds.get(base, ""), [])

    def token_for(self, path):
        for key, which in (("invitations", "invitation"), ("verify-email", "verify"), ("magic-link", "login_link"),
                           ("password/reset", "reset"), ("subscriptions/confirm", "subscription"),
                           ("signup/verify", "verify")):
            if key in path:
                return self.tokens.get(which, "no-such-token")
        return self.tokens.get("login_link", "no-such-token")

    def value(self, schema, name, path):
        schema = resolve(self.doc, schema)
        if "enum" in schema:
            return schema["enum"][0]
        t = kind_of(schema)
        if t == "object" or "properties" in schema:
            return {k: self.value(v, k, path) for k, v in schema.get("properties", {}).items()}
        if t == "array":
            if name.endswith("_ids"):
                return self.id_for(name, path)[:1]
            return [self.value(schema.get("items", {}), name, path)]
        if t == "integer":
            return 1
        if t == "number":
            return 1.0
        if t == "boolean":
            return name == "test"
        return self.string(schema, name, path)

    def string(self, schema, name, path):
        if schema.get("format") == "uuid" or name.endswith("_id") or name == "id":
            found = self.id_for(name, path)
            return found[0] if found else str(uuid.uuid4())
        if schema.get("format") == "date-time" or name.endswith("_at"):
            return datetime.now(timezone.utc).isoformat()
        if name == "email":
            # An address to log in by is B's; one that a town would keep is a probe's own.
            keep = any(k in path for k in ("register", "subscriptions", "members", "signup"))
            return f"probe-{RUN}@example.org" if keep or not self.emails else sorted(self.emails)[0]
        if name == "refresh_token":
            return self.tokens.get("refresh", "no-such-token")
        if name == "token":
            return self.token_for(path)
        special = {"password": PASSWORD, "kind": "questionnaire" if path.endswith("/consultations") else "text",
                   "role": "moderator", "status": "accepted", "color": "#654321", "language": "fr",
                   "logo_url": "https://example.org/logo.png", "domain": f"probe-{RUN}.example.org",
                   "insee_code": "28279", "slug": f"probe{RUN}", "contact_email": f"probe-{RUN}@example.org",
                   "public_email": f"probe-{RUN}@example.org", "page": "/", "session": "bearer",
                   "name": "Probe town", "new_consultations": "off"}
        return special.get(name, "probe text")

    def query(self, op, path):
        out = {}
        for p in op.get("parameters", []):
            if p.get("in") != "query":
                continue
            name = p["name"]
            if name.endswith("_id"):
                found = self.id_for(name, path)
                if found:
                    out[name] = found[0]
            elif p.get("required"):
                out[name] = self.value(p.get("schema", {}), name, path)
        return out

    def body(self, op, path):
        content = (op.get("requestBody") or {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        return None if schema is None else self.value(schema, "", path)


def path_kind(path, param):
    """The kind of id a path parameter names, from the segment before it."""
    before = path.split("{" + param + "}")[0].rstrip("/").rsplit("/", 1)[-1]
    return {"consultations": "consultations", "proposals": "proposals", "comments": "comments",
            "tenants": "tenants", "communes": "communes"}.get(before)


def body_names_ids(doc, op):
    return "_id" in json.dumps(op.get("requestBody") or {}) or any(
        "_id" in json.dumps(resolve(doc, s.get("schema", {})))
        for s in (op.get("requestBody") or {}).get("content", {}).values())


def requests_for(doc, path, method, op, b_fill, own_ids, unfilled):
    """Every (path, query, body) to try: B's ids in the path, and where the body
    names ids, also the caller's own ids in the path with B's in the body."""
    params = [p["name"] for p in op.get("parameters", []) if p.get("in") == "path"]
    body = b_fill.body(op, path)
    query = b_fill.query(op, path)
    if not params:
        return [(path, query, body)]
    if len(params) > 1:
        unfilled.add(f"{method.upper()} {path}: more than one path parameter")
        return []
    param = params[0]
    kind = path_kind(path, param)
    values = b_fill.ids.get(kind) if kind else None
    if not values:
        unfilled.add(f"{method.upper()} {path}: {{{param}}}")
        return []
    out = [(path.replace("{" + param + "}", v), query, body) for v in values]
    if body is not None and body_names_ids(doc, op) and own_ids.get(kind):
        out += [(path.replace("{" + param + "}", v), query, body) for v in own_ids[kind]]
    return out


def with_query(path, query):
    return path + ("?" + urllib.parse.urlencode(query) if query else "")


def operations(doc):
    ops = [(path, method, op) for path, item in sorted(doc["paths"].items())
           for method, op in item.items() if method in METHODS]
    # Erasing one's own account comes last: the role's token is of no use after it.
    return sorted(ops, key=lambda o: (o[0] == "/api/v1/me" and o[1] == "delete", o[0], o[1]))


# ---------------------------------------------------------------- the walks

def sent_values(path, body):
    """What the request itself carried: an answer may echo it (e.g. a field named in an error)."""
    return path.lower() + json.dumps(body).lower()


def leaks(text, secrets, sent):
    """B's strings in an answer that the request did not send itself."""
    return sorted({f"{kind}:{v}" for kind, values in secrets.items() for v in values
                   if v.lower() in text and v.lower() not in sent})


def main():
    settings = {"ARGON2_MEMORY_KIB": "1024", "ARGON2_ITERATIONS": "1", "AUTH_RATE_LIMIT": "100000/min",
                "ANNOUNCEMENTS_PER_DAY": "1000"}
    started = time.time()
    with platform(settings) as (api, inbox, env, db_url):
        client = Client(api)
        ops = operator_token(api, env)
        host_a, admin_a = open_town(api, inbox, ops, "28191", "hanches")
        host_b, admin_b = open_town(api, inbox, ops, "28279", "nogent")
        tid_a = psql(db_url, "SELECT id FROM tenants WHERE slug = 'hanches'")
        tid_b = psql(db_url, "SELECT id FROM tenants WHERE slug = 'nogent'")
        b = seed_b(api, inbox, ops, host_b, admin_b, tid_b)
        a = seed_a(api, inbox, host_a, admin_a)
        rows = Rows(db_url, tid_b)
        step("town B's rows settle after seeding", rows.settle(quiet=3))
        secrets = b_secrets(db_url, tid_b, b)
        step(f"town B seeded: {len(secrets['id'])} ids, {len(secrets['email'])} addresses, "
             f"{len(MARKERS)} markers, {len(secrets['token'])} tokens", len(secrets["id"]) > 40)
        seeded = time.time()

        s, raw, _ = client.send("GET", host_a, "/api/v1/openapi.json")
        doc = json.loads(raw)
        operations_list = operations(doc)
        b_ids = {k: b[k] for k in ("consultations", "proposals", "comments", "projects", "questions", "options")}
        b_ids.update(tenants=[tid_b], communes=["28279"],
                     users=[v for v in secrets["id"] if v in set(psql(
                         db_url, f"SELECT id::text FROM users WHERE tenant_id = '{tid_b}'").split())][:1])
        a_ids = {"consultations": a["consultations"], "proposals": a["proposals"], "comments": a["comments"],
                 "tenants": [tid_a]}
        fill_b = Filler(doc, b_ids, secrets["email"], b["tokens"])
        # On B's host the tokens under test are A's: B's own one-time tokens stay unspent.
        fill_b_host = Filler(doc, b_ids, set(), {})

        logins = {"citizen": (host_a, f"citoyen-{RUN}@hanches-a.fr", PASSWORD),
                  "moderator": (host_a, f"moderateur-{RUN}@hanches-a.fr", PASSWORD),
                  "admin": (host_a, "mairie@hanches.fr", "la mairie au bord de l’eau"),
                  "operator": (DOMAIN, "ops@example.fr", "une phrase de passe pour l’opérateur")}

        def token_of(role):
            """A new access token of the role (they live 15 minutes; a walk may take longer)."""
            if role == "anonymous":
                return None
            h, email, pw = logins[role]
            s, t = api.call("POST", h, "/api/v1/auth/login", {"email": email, "password": pw})
            assert s == 200, (role, s, t)
            return t["access_token"]

        def fresh_tokens():
            return {role: token_of(role) for role in ("anonymous", *logins)}

        roles = fresh_tokens()
        findings, unfilled, covered, by_status = [], set(), {}, {}

        def record(kind, walk, role, method, path, detail):
            findings.append((kind, walk, role, method, path, detail))
            print(f"FINDING {kind} [{walk} {role}] {method} {path}: {detail}", flush=True)

        def check(walk, role, method, host, path, body, token, baseline=None):
            status, raw, _ = client.send(method, host, path, body, token)
            by_status.setdefault(walk, {}).setdefault(status, 0)
            by_status[walk][status] += 1
            covered.setdefault((walk, role), set()).add((method, path.split("?")[0]))
            changed = rows.changed()
            if status >= 500:
                record("5xx", walk, role, method, path, status)
            text = readable(raw)
            found = leaks(text, secrets, sent_values(path, body))
            if baseline is not None:
                b_status, b_found, b_public = baseline
                found = [f for f in found if f not in b_found]
                if b_status in (401, 403) and status < 300:
                    record("token accepted", walk, role, method, path, f"{status} where anonymous got {b_status}")
                if changed and not (b_public and status < 300):
                    record("write", walk, role, method, path, f"B's {changed} changed")
                elif changed:
                    rows.settle()
            elif changed:
                record("write", walk, role, method, path, f"B's {changed} changed")
            if found:
                record("leak", walk, role, method, path, f"{status}: {found[:5]}")
            return status, found, status < 300

        count_before = client.count
        public_seen, public_writes = set(), []
        # (b) B's host, A's tokens, against the same request made anonymously.
        for path, method, op in operations_list:
            for p, q, body in requests_for(doc, path, method, op, fill_b_host, {}, unfilled):
                full = with_query(p, q)
                status, raw, _ = client.send(method.upper(), host_b, full, body)
                changed = rows.changed()
                covered.setdefault(("b: B's host", "anonymous"), set()).add((method.upper(), p))
                if status >= 500:
                    record("5xx", "b: B's host", "anonymous", method.upper(), full, status)
                # What anyone may see or do on B's host: the baseline for A's tokens.
                base = (status, leaks(readable(raw), secrets, sent_values(full, body)), status < 300)
                public_seen.update(base[1])
                if changed:
                    public_writes.append(f"{method.upper()} {path}")
                    # Its mails are the worker's to record, a moment later.
                    rows.settle()
                for role, token in roles.items():
                    if token:
                        check("b: B's host", role, method.upper(), host_b, full, body, token, baseline=base)
        b_requests = client.count - count_before

        roles = fresh_tokens()
        # (c) the platform host, A's people (the operator is at home there: it sees every town).
        count_before = client.count
        for path, method, op in operations_list:
            for p, q, body in requests_for(doc, path, method, op, fill_b, a_ids, unfilled):
                for role, token in roles.items():
                    if role != "operator":
                        check("c: platform host", role, method.upper(), DOMAIN, with_query(p, q), body, token)
        c_requests = client.count - count_before

        # (a) A's host with B's ids, role by role (an erased account ends its role's walk).
        count_before = client.count
        for role in roles:
            token = token_of(role)
            for path, method, op in operations_list:
                for p, q, body in requests_for(doc, path, method, op, fill_b, a_ids, unfilled):
                    check("a: A's host", role, method.upper(), host_a, with_query(p, q), body, token)
        # Beyond the document: B's unsubscribe link on A's host.
        for role in ("anonymous",):
            for method in ("GET", "POST"):
                check("a: A's host", role, method, host_a, f"/unsubscribe/{b['tokens']['unsubscribe']}", None, None)
        a_requests = client.count - count_before
        walked = time.time()

        n_ops = len(operations_list)
        print("\n== isolation matrix")
        print(f"operations in the OpenAPI document: {n_ops}")
        for (walk, role), done in sorted(covered.items()):
            print(f"  {walk:18} {role:10} {len({(m, re.sub(UUID_IN_PATH, '{id}', p)) for m, p in done}):3} "
                  f"operations, {len(done):4} distinct requests")
        print(f"requests: (a) {a_requests}, (b) {b_requests} (a fifth of them anonymous baselines), (c) {c_requests}; "
              f"{client.count} in all, {rows.calls} looks at B's rows")
        print(f"seeding {seeded - started:.0f} s, walks {walked - seeded:.0f} s")
        for walk, counts in sorted(by_status.items()):
            print(f"  statuses, {walk}: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
        print(f"what B shows anyone (the baseline): {len(public_seen)} of B's strings; "
              f"anonymous writes that changed B: {sorted(set(public_writes))}")
        print(f"paths that could not be filled: {len(unfilled)}")
        for u in sorted(unfilled):
            print(f"  {u}")
        print(f"findings: {len(findings)}")
        for kind, walk, role, method, path, detail in findings:
            print(f"  {kind} [{walk} {role}] {method} {path}: {detail}")
        rows.close()
        # The detectors work: they see B's public data and B's public writes on B's own host.
        step("the leak detector finds B's data where B shows it to anyone", len(public_seen) > 10, public_seen)
        step("the row watcher sees B change when anyone may change it", len(public_writes) > 0)
        step(f"every operation walked by every role on each host ({n_ops} operations)",
             all(len(done) > 0 for done in covered.values()) and not unfilled, sorted(unfilled))
        step("zero findings (no 5xx, no data of B, no change to B)", not findings, len(findings))


UUID_IN_PATH = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{5}")

if __name__ == "__main__":
    main()
