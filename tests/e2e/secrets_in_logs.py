#!/usr/bin/env python3
"""No secret in the logs, from outside: the binary on PostgreSQL + Redis + a
real SMTP server, its whole output captured while people register, log in
(by password, by mailed link, by browser cookie), reset a password, join a
town's team, and fail to log in. Then the captured logs are searched for
every secret that went by: passwords, access and refresh tokens, the links'
one-time tokens, the CSRF token, the session cookie and the link-signing
key. Each must be absent; the log must not be empty.

    python3 tests/e2e/secrets_in_logs.py [path/to/participation]
"""
import json
import tempfile
import urllib.request

from consultations import open_town
from harness import operator_token, platform, psql, step

SIGNING_KEY = "signing-key-that-must-never-be-logged-0123456789"


def main():
    secrets = {}
    with tempfile.TemporaryFile("w+") as log:
        settings = {"ARGON2_MEMORY_KIB": "1024", "ARGON2_ITERATIONS": "1", "AUTH_RATE_LIMIT": "1000/min",
                    "SIGNING_KEY": SIGNING_KEY}
        with platform(settings, log=log) as (api, inbox, env, db_url):
            ops = operator_token(api, env)
            secrets["operator password"] = "une phrase de passe pour l’opérateur"
            secrets["operator token"] = ops
            host, admin = open_town(api, inbox, ops, "28191", "hanches")
            secrets["admin token"] = admin
            secrets["admin password"] = "la mairie au bord de l’eau"
            password = "vélo cargo sous la pluie"
            secrets["citizen password"] = password
            api.call("POST", host, "/api/v1/auth/register",
                     {"email": "jeanne@example.fr", "password": password, "display_name": "Jeanne"})
            verify = inbox.link("jeanne@example.fr", "/verify-email")
            secrets["verification token"] = verify
            api.call("POST", host, "/api/v1/auth/verify-email", {"token": verify})
            s, tokens = api.call("POST", host, "/api/v1/auth/login", {"email": "jeanne@example.fr", "password": password})
            secrets["access token"] = tokens["access_token"]
            secrets["refresh token"] = tokens["refresh_token"]
            s, again = api.call("POST", host, "/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]})
            secrets["rotated refresh token"] = again["refresh_token"]
            wrong = "mauvais mot de passe tapé"
            secrets["wrong password"] = wrong
            api.call("POST", host, "/api/v1/auth/login", {"email": "jeanne@example.fr", "password": wrong})
            api.call("POST", host, "/api/v1/auth/magic-link", {"email": "jeanne@example.fr"})
            link = inbox.link("jeanne@example.fr", "/login/link")
            secrets["login link token"] = link
            api.call("POST", host, "/api/v1/auth/magic-link/consume", {"token": link})
            api.call("POST", host, "/api/v1/auth/password/forgot", {"email": "jeanne@example.fr"})
            reset = inbox.link("jeanne@example.fr", "/password/reset")
            secrets["reset token"] = reset
            new_password = "un tout nouveau mot de passe"
            secrets["new password"] = new_password
            api.call("POST", host, "/api/v1/auth/password/reset", {"token": reset, "password": new_password})
            # A browser session: its CSRF token too.
            req = urllib.request.Request(f"{api.base}/api/v1/auth/login", method="POST",
                                         data=json.dumps({"email": "jeanne@example.fr", "password": new_password,
                                                          "session": "cookie"}).encode())
            req.add_header("Host", host)
            req.add_header("Content-Type", "application/json")
            with urllib.request.urlopen(req, timeout=10) as res:
                secrets["csrf token"] = json.loads(res.read())["csrf_token"]
                cookies = res.headers.get_all("Set-Cookie")
            secrets["session cookie"] = cookies[0].split(";", 1)[0].split("=", 1)[1]
            # A request with a bad token is logged as refused: the token itself must not be.
            forged = secrets["access token"][:-6] + "AAAAAA"
            secrets["forged token"] = forged
            api.call("GET", host, "/api/v1/me", token=forged)
            secrets["signing key"] = SIGNING_KEY
            town_id = psql(db_url, "SELECT id FROM tenants WHERE slug = 'hanches'")
        log.seek(0)
        text = log.read()
    lines = text.count("\n")
    step(f"the server logged ({lines} lines, JSON)", lines > 20 and text.lstrip().startswith("{"), lines)
    # The search can find things: the requests' lines carry the town's id.
    step("the log carries the town's requests (its id is found)", town_id in text)
    found = [name for name, value in secrets.items() if value and value in text]
    step(f"none of {len(secrets)} secrets appears in the logs", not found, found)


if __name__ == "__main__":
    main()
