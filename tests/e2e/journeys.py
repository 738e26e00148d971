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
import hashlib
import hmac
import json
import subprocess

from harness import BIN, DOMAIN, platform, psql, step, steps


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


def main():
    with platform() as (api, inbox, env, db_url):
        out = subprocess.run([BIN, "operator", "create", "--email", "ops@example.fr"], env=env,
                             check=True, capture_output=True, text=True).stdout.strip()
        step("operator create prints one link", out.startswith(f"http://{DOMAIN}/password/reset?token="), out)
        setup = out.split("token=", 1)[1]
        run_journeys(api, inbox, setup, db_url)
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
