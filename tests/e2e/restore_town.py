#!/usr/bin/env python3
"""Restoring one town from its export, from outside: the binary on PostgreSQL
+ Redis + a real SMTP server. A town runs a questionnaire a citizen answers;
the operator exports it, suspends and deletes it; deploy/restore-town puts it
back from the archive (suspended); the operator reactivates it, and its
consultation, its answer and its people are there again. A second restore
of the same archive changes nothing.

    python3 tests/e2e/restore_town.py [path/to/participation]
"""
import io
import os
import subprocess
import tempfile
import time
import urllib.request
import zipfile

from consultations import citizen, open_town
from harness import DOMAIN, operator_token, platform, psql, step

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def export(api, ops, town_id):
    req = urllib.request.Request(f"{api.base}/api/v1/operator/tenants/{town_id}/export")
    req.add_header("Host", DOMAIN)
    req.add_header("Authorization", f"Bearer {ops}")
    with urllib.request.urlopen(req, timeout=10) as res:
        return res.read()


def main():
    settings = {"ARGON2_MEMORY_KIB": "1024", "ARGON2_ITERATIONS": "1", "AUTH_RATE_LIMIT": "1000/min"}
    with platform(settings) as (api, inbox, env, db_url):
        ops = operator_token(api, env)
        host, admin = open_town(api, inbox, ops, "28191", "hanches")
        s, c = api.call("POST", host, "/api/v1/consultations", {"title": "Le marché", "kind": "questionnaire"}, token=admin)
        cid = c["id"]
        _, q = api.call("POST", host, f"/api/v1/consultations/{cid}/questions",
                        {"kind": "single_choice", "label": "Quel jour ?", "required": True, "options": ["Samedi", "Dimanche"]},
                        token=admin)
        api.call("POST", host, f"/api/v1/consultations/{cid}/publish", token=admin)
        jeanne = citizen(api, inbox, host, "jeanne@example.fr")
        s, _ = api.call("POST", host, f"/api/v1/consultations/{cid}/responses",
                        {"answers": [{"question_id": q["id"], "option_ids": [q["options"][0]["id"]]}]}, token=jeanne)
        step("a town runs a questionnaire and a citizen answers", s == 201, s)
        town_id = psql(db_url, "SELECT id FROM tenants WHERE slug = 'hanches'")

        archive = export(api, ops, town_id)
        names = zipfile.ZipFile(io.BytesIO(archive)).namelist()
        step("the operator exports the town", "consultations.json" in names and "users.json" in names, names)
        api.call("POST", DOMAIN, f"/api/v1/operator/tenants/{town_id}/suspend", token=ops)
        s, _ = api.call("DELETE", DOMAIN, f"/api/v1/operator/tenants/{town_id}", token=ops)
        gone = psql(db_url, f"SELECT count(*) FROM consultations WHERE tenant_id = '{town_id}'")
        step("then deletes it", s == 204 and gone == "0", (s, gone))

        with tempfile.NamedTemporaryFile(suffix=".zip", delete=False) as f:
            f.write(archive)
        restore_env = {**os.environ, "DATABASE_URL": f"{db_url}?sslmode=disable"}
        run = subprocess.run([os.path.join(ROOT, "deploy", "restore-town"), f.name], env=restore_env,
                             capture_output=True, text=True)
        step("deploy/restore-town puts it back from the archive", run.returncode == 0, run.stdout + run.stderr)
        status = psql(db_url, f"SELECT status FROM tenants WHERE id = '{town_id}'")
        step("the town comes back suspended, for the operator to check", status == "suspended", status)
        s, _ = api.call("POST", DOMAIN, f"/api/v1/operator/tenants/{town_id}/reactivate", token=ops)
        step("the operator reactivates it", s == 200, s)
        s, back = api.call("GET", host, f"/api/v1/consultations/{cid}")
        step("its consultation is there again", s == 200 and back["title"] == "Le marché", (s, back))
        # The admin's token predates the restore: cut, like every session of a suspended town.
        s, me = api.call("GET", host, "/api/v1/me", token=admin)
        step("sessions from before are cut", s == 401, (s, me))
        # Tokens of the restore's own second are cut too (whole seconds): start on the next one.
        time.sleep(1.1)
        s, _ = api.call("POST", host, "/api/v1/auth/password/forgot", {"email": "jeanne@example.fr"})
        token = inbox.link("jeanne@example.fr", "/password/reset", after=len(inbox.messages) - 1)
        s, _ = api.call("POST", host, "/api/v1/auth/password/reset", {"token": token, "password": "un nouveau mot de passe"})
        s, t = api.call("POST", host, "/api/v1/auth/login", {"email": "jeanne@example.fr", "password": "un nouveau mot de passe"})
        step("its citizen sets a new password and logs in", s == 200, (s, t))
        s, _ = api.call("POST", host, f"/api/v1/consultations/{cid}/responses",
                        {"answers": [{"question_id": q["id"], "option_ids": [q["options"][1]["id"]]}]},
                        token=t["access_token"])
        step("and her answer is still hers (a second one is refused)", s == 409, s)
        again = subprocess.run([os.path.join(ROOT, "deploy", "restore-town"), f.name], env=restore_env,
                               capture_output=True, text=True)
        step("restoring the same archive while the town exists is refused, nothing written",
             again.returncode != 0 and "nothing was written" in again.stderr, again.stdout + again.stderr)
        os.unlink(f.name)


if __name__ == "__main__":
    main()
