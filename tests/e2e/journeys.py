#!/usr/bin/env python3
"""The town and citizen journeys, run from outside the code as a newcomer would:
the `participation` binary on PostgreSQL + Redis, mail caught by a real SMTP
server (aiosmtpd), every link read out of the mail it came in.

    python3 tests/e2e/journeys.py [path/to/participation]

Needs PostgreSQL (`E2E_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432)
and Redis (`E2E_REDIS_URL`, default redis://127.0.0.1:6379). Exits non-zero on
the first step that does not go as a person would expect.
"""
import base64
import email
import email.policy
import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from aiosmtpd.controller import Controller

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/debug/participation"
# The server's URL; a database name or options in it are dropped.
PG = urllib.parse.urlsplit(os.environ.get("E2E_DATABASE_URL", "postgres://postgres@127.0.0.1:5432"))
PG = f"{PG.scheme}://{PG.netloc}"
REDIS = os.environ.get("E2E_REDIS_URL", "redis://127.0.0.1:6379")
DOMAIN = "participation.test"
steps = []


class Inbox:
    """An SMTP server keeping every message it accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, msg))
        return "250 OK"

    def link(self, to, page, after=0, timeout=15):
        """The token of the newest link to `page` in mail to `to`, among mails after the first `after`."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for rcpts, msg in reversed(self.messages[after:]):
                if to in rcpts:
                    text = msg.get_body(preferencelist=("plain",)).get_content()
                    found = re.search(re.escape(page) + r"\?token=(\S+)", text)
                    if found:
                        return found.group(1)
            time.sleep(0.05)
        raise AssertionError(f"no mail to {to} with a {page} link")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def step(name, ok, detail=""):
    steps.append((name, ok))
    print(f"{'ok ' if ok else 'FAIL'} {name}" + (f" — {detail}" if detail and not ok else ""))
    if not ok:
        raise SystemExit(1)


class Api:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"

    def call(self, method, host, path, body=None, token=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Host", host)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                raw, status, headers = res.read(), res.status, res.headers
        except urllib.error.HTTPError as e:
            raw, status, headers = e.read(), e.code, e.headers
        kind = headers.get("Content-Type", "")
        return status, (json.loads(raw) if raw and "json" in kind else raw)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged_tokens(good, jwk):
    """Tokens a forger would try, from a genuine one and the published key."""
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    promoted = b64(json.dumps({**claims, "role": "admin"}).encode())
    none = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    hs_header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": jwk["kid"]}).encode())
    public = base64.urlsafe_b64decode(jwk["x"] + "==")
    hs_sig = b64(hmac.new(public, f"{hs_header}.{payload}".encode(), hashlib.sha256).digest())
    late = b64(json.dumps({**claims, "exp": str(claims["exp"])}).encode())
    return {
        "tampered payload": f"{header}.{promoted}.{signature}",
        "alg none": f"{none}.{payload}.",
        "HS256 with the public key": f"{hs_header}.{payload}.{hs_sig}",
        "exp as a string": f"{header}.{late}.{signature}",
    }


def psql(db_url, sql):
    out = subprocess.run(["psql", db_url, "-Atc", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def main():
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    name = f"e2e_{uuid.uuid4().hex}"
    psql(f"{PG}/postgres", f'CREATE DATABASE "{name}"')
    db_url = f"{PG}/{name}"
    port = free_port()
    data_dir = tempfile.mkdtemp()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": f"{db_url}?sslmode=disable",
        "REDIS_URL": REDIS,
        "REDIS_KEY_PREFIX": f"e2e-{uuid.uuid4().hex}",
        "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "PLATFORM_DOMAIN": DOMAIN,
        "LISTEN_ADDR": f"127.0.0.1:{port}",
        "METRICS_ADDR": f"127.0.0.1:{free_port()}",
        "DATA_DIR": data_dir,
        "MAIL_RATE_PER_SECOND": "0",
    }
    server = None
    try:
        out = subprocess.run([BIN, "operator", "create", "--email", "ops@example.fr"], env=env,
                             check=True, capture_output=True, text=True).stdout.strip()
        step("operator create prints one link", out.startswith(f"http://{DOMAIN}/password/reset?token="), out)
        setup = out.split("token=", 1)[1]
        server = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        api = Api(port)
        for _ in range(200):
            try:
                if api.call("GET", DOMAIN, "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        run_journeys(api, inbox, setup, db_url)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        smtp.stop()
        psql(f"{PG}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"{len(steps)} steps, all as expected")


def run_journeys(api, inbox, setup, db_url):
    P = DOMAIN
    pw = "une phrase de passe pour l’opérateur"
    s, _ = api.call("POST", P, "/api/v1/auth/password/reset", {"token": setup, "password": pw})
    step("the operator sets a password by the printed link", s == 200, s)
    s, body = api.call("POST", P, "/api/v1/auth/login", {"email": "ops@example.fr", "password": pw})
    step("the operator logs in", s == 200, body)
    ops = body["access_token"]

    # A town asks, confirms, is approved, and its contact becomes the first admin.
    s, bad = api.call("POST", P, "/api/v1/signup", {"insee_code": "99999", "slug": "www",
                                                     "contact_email": "x", "contact_name": "A"})
    fields = [e["field"] for e in bad.get("errors", [])] if isinstance(bad, dict) else []
    step("a bad signup names each field", s == 400 and fields == ["insee_code", "slug", "contact_email"], bad)
    s, town = api.call("POST", P, "/api/v1/signup", {"insee_code": "28191", "slug": "hanches",
                                                      "contact_email": "mairie@hanches.fr",
                                                      "contact_name": "Secrétariat"})
    step("the town signs up", s == 201 and town["status"] == "pending_email", town)
    token = inbox.link("mairie@hanches.fr", "/signup/verify")
    s, body = api.call("POST", P, "/api/v1/signup/verify", {"token": token})
    step("the contact confirms the address", s == 200 and body["status"] == "pending_review", body)
    s, body = api.call("POST", P, f"/api/v1/operator/tenants/{town['id']}/approve", token=ops)
    step("the operator approves the town", s == 200 and body["status"] == "active", body)
    H = f"hanches.{DOMAIN}"
    token = inbox.link("mairie@hanches.fr", "/invitations/accept")
    s, admin = api.call("POST", H, "/api/v1/auth/invitations/accept",
                        {"token": token, "password": "la mairie au bord de l’eau", "display_name": "Mairie"})
    step("the contact accepts the invitation", s == 200, admin)
    s, me = api.call("GET", H, "/api/v1/me", token=admin["access_token"])
    step("the first admin is an admin", s == 200 and me["role"] == "admin", me)

    # A citizen registers, verifies, logs in, refreshes, logs out, resets, uses a login link.
    cit = {"email": "jeanne@example.fr", "password": "vélo cargo sous la pluie", "display_name": "Jeanne"}
    s, _ = api.call("POST", H, "/api/v1/auth/register", cit)
    step("a citizen registers", s == 201, s)
    s, _ = api.call("POST", H, "/api/v1/auth/verify-email", {"token": inbox.link(cit["email"], "/verify-email")})
    step("the citizen verifies the address", s == 200, s)
    s, t = api.call("POST", H, "/api/v1/auth/login", {"email": cit["email"], "password": cit["password"]})
    step("the citizen logs in", s == 200, t)
    s, t2 = api.call("POST", H, "/api/v1/auth/refresh", {"refresh_token": t["refresh_token"]})
    step("the session refreshes", s == 200, t2)
    s, _ = api.call("POST", H, "/api/v1/auth/refresh", {"refresh_token": t["refresh_token"]})
    s2, _ = api.call("POST", H, "/api/v1/auth/refresh", {"refresh_token": t2["refresh_token"]})
    step("a replayed refresh token revokes the family", s == 401 and s2 == 401, (s, s2))
    s, known = api.call("POST", H, "/api/v1/auth/password/forgot", {"email": cit["email"]})
    s2, unknown = api.call("POST", H, "/api/v1/auth/password/forgot", {"email": "personne@example.fr"})
    step("forgot password says the same for known and unknown", (s, known) == (s2, unknown) == (202, known), (known, unknown))
    new = "une toute nouvelle phrase"
    token = inbox.link(cit["email"], "/password/reset")
    s, _ = api.call("POST", H, "/api/v1/auth/password/reset", {"token": token, "password": new})
    step("the citizen resets the password", s == 200, s)
    seen = len(inbox.messages)
    s, _ = api.call("POST", H, "/api/v1/auth/magic-link", {"email": cit["email"]})
    s, t = api.call("POST", H, "/api/v1/auth/magic-link/consume",
                    {"token": inbox.link(cit["email"], "/login/link", after=seen)})
    step("a login link logs in", s == 200, t)
    s, _ = api.call("POST", H, "/api/v1/auth/logout", {"refresh_token": t["refresh_token"]})
    step("the citizen logs out", s == 204, s)

    # Forged and misdirected tokens: none accepted.
    jwks = api.call("GET", H, "/.well-known/jwks.json")[1]
    accepted = [n for n, tok in forged_tokens(t["access_token"], jwks["keys"][0]).items()
                if api.call("GET", H, "/api/v1/me", token=tok)[0] != 401]
    step("zero forged tokens accepted", not accepted, accepted)
    api.call("POST", P, "/api/v1/signup", {"insee_code": "28279", "slug": "nogent",
                                           "contact_email": "mairie@nogent.fr", "contact_name": "Mairie"})
    s, _ = api.call("GET", P, "/api/v1/operator/tenants", token=t["access_token"])
    step("a citizen's token is refused on the platform host", s == 401, s)
    s, _ = api.call("GET", H, "/api/v1/admin/members", token=t["access_token"])
    step("a citizen is forbidden the admin routes", s == 403, s)

    # Suspension, then deletion that leaves nothing behind.
    tid = town["id"]
    s, _ = api.call("POST", P, f"/api/v1/operator/tenants/{tid}/suspend", token=ops)
    s2, body = api.call("GET", H, "/api/v1/me", token=admin["access_token"])
    step("a suspended town answers 503", s == 200 and s2 == 503 and body["code"] == "tenant_suspended", body)
    s, archive = api.call("GET", P, f"/api/v1/operator/tenants/{tid}/export", token=ops)
    step("the operator exports the town", s == 200 and archive[:2] == b"PK", s)
    s, _ = api.call("DELETE", P, f"/api/v1/operator/tenants/{tid}", token=ops)
    tables = psql(db_url, "SELECT table_name FROM information_schema.columns "
                          "WHERE column_name = 'tenant_id' AND table_schema = 'public'").split()
    left = {tb: int(psql(db_url, f"SELECT count(*) FROM \"{tb}\" WHERE tenant_id = '{tid}'")) for tb in tables}
    left["tenants"] = int(psql(db_url, f"SELECT count(*) FROM tenants WHERE id = '{tid}'"))
    step("a deleted town leaves zero rows behind", s == 204 and not any(left.values()), left)
    s, audit = api.call("GET", P, "/api/v1/operator/audit", token=ops)
    actions = [line["action"] for line in audit]
    step("the audit log records the deletion", s == 200 and actions[0] == "tenant.delete", actions)


if __name__ == "__main__":
    main()
