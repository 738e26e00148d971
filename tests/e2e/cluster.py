#!/usr/bin/env python3
"""The platform as the cluster runs it, from outside: deploy/run-local-cluster
starts each service and two mail workers as separate processes behind nginx
(with the Ingress' path table) on PostgreSQL + Redis + a real SMTP server.
A town signs up and is approved, runs a questionnaire, a citizen answers and
hears of the results by mail, 40 subscribers get an announcement, and both
workers share the sending. Everything started is stopped at the end.

    python3 tests/e2e/cluster.py [target/debug]
"""
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

from aiosmtpd.controller import Controller

from harness import DOMAIN, PG, REDIS, Api, Inbox, alive, free_port, psql, step

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "debug")
SUBSCRIBERS = 40


def sent_by(port):
    """Mails a worker handed to the SMTP server, from its metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as res:
        text = res.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("mail_deliveries_total") and 'status="sent"' in line)


def main():
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    name = f"e2e_cluster_{uuid.uuid4().hex}"
    psql(f"{PG}/postgres", f'CREATE DATABASE "{name}"')
    port = free_port()
    run_dir = tempfile.mkdtemp()
    env = {
        **os.environ,
        "PORT": str(port),
        "WORKERS": "2",
        "BIN_DIR": BIN_DIR,
        "RUN_DIR": run_dir,
        "DATABASE_URL": f"{PG}/{name}?sslmode=disable",
        "REDIS_URL": REDIS,
        "REDIS_KEY_PREFIX": f"e2e-{uuid.uuid4().hex}",
        "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "PLATFORM_DOMAIN": DOMAIN,
        "ARGON2_MEMORY_KIB": "1024",
        "ARGON2_ITERATIONS": "1",
        "AUTH_RATE_LIMIT": "1000/min",
        "MAIL_RATE_PER_SECOND": "0",
    }
    script = os.path.join(ROOT, "deploy", "run-local-cluster")
    try:
        up = subprocess.run([script, "start"], env=env, capture_output=True, text=True)
        step("run-local-cluster starts 3 services, 2 workers and nginx", up.returncode == 0, up.stdout + up.stderr)
        with open(os.path.join(run_dir, "ports")) as f:
            ports = {name: (int(http), int(metrics)) for name, http, metrics in (line.split() for line in f)}
        health = [subprocess.run([os.path.join(BIN_DIR, "participation-auth"), "health"],
                                 env={**env, "LISTEN_ADDR": f"127.0.0.1:{p}"}, capture_output=True).returncode
                  for p in (ports["auth"][0], free_port())]
        step("`participation-auth health` says ready, and not for a closed port", health == [0, 1], health)
        api = Api(port)  # every call goes through nginx
        s, _ = api.call("GET", DOMAIN, "/api/v1/communes?q=hanches")
        step("the platform host answers through nginx (auth)", s == 200, s)

        # The operator, made with the CLI against the same database.
        out = subprocess.run([os.path.join(BIN_DIR, "participation"), "operator", "create", "--email", "ops@example.fr"],
                             env={**env, "JWT_KEYS_DIR": os.path.join(run_dir, "jwt")}, check=True,
                             capture_output=True, text=True).stdout
        pw = "une phrase de passe pour l’opérateur"
        api.call("POST", DOMAIN, "/api/v1/auth/password/reset", {"token": out.split("token=", 1)[1].split()[0], "password": pw})
        s, tokens = api.call("POST", DOMAIN, "/api/v1/auth/login", {"email": "ops@example.fr", "password": pw})
        step("the operator logs in", s == 200, tokens)
        ops = tokens["access_token"]

        from consultations import citizen, open_town
        host, admin = open_town(api, inbox, ops, "28191", "hanches")
        s, c = api.call("POST", host, "/api/v1/consultations", {"title": "Le marché", "kind": "questionnaire"}, token=admin)
        step("the admin creates a questionnaire (consultation service)", s == 201, c)
        cid = c["id"]
        s, q = api.call("POST", host, f"/api/v1/consultations/{cid}/questions",
                        {"kind": "single_choice", "label": "Quel jour ?", "required": True, "options": ["Samedi", "Dimanche"]},
                        token=admin)
        s, _ = api.call("POST", host, f"/api/v1/consultations/{cid}/publish", token=admin)
        step("and publishes it", s == 200, s)
        token = citizen(api, inbox, host, "jeanne@example.fr")
        s, _ = api.call("POST", host, f"/api/v1/consultations/{cid}/responses",
                        {"answers": [{"question_id": q["id"], "option_ids": [q["options"][0]["id"]]}]}, token=token)
        step("a citizen answers", s == 201, s)
        api.call("POST", host, f"/api/v1/consultations/{cid}/close", token=admin)
        s, _ = api.call("POST", host, f"/api/v1/consultations/{cid}/results", {"body": "Samedi, donc."}, token=admin)
        step("the admin publishes the results", s == 200, s)
        deadline = time.time() + 30
        while time.time() < deadline and not any(
                "jeanne@example.fr" in r and "sultat" in (m["Subject"] or "") for r, m in list(inbox.messages)):
            time.sleep(0.1)
        step("the citizen hears of the results by mail (worker)", time.time() < deadline)

        # Enough mail for both workers to take a share of the stream.
        for i in range(SUBSCRIBERS):
            email = f"abonne{i}@example.fr"
            api.call("POST", host, "/api/v1/subscriptions", {"email": email, "page": "/"})
            api.call("POST", host, "/api/v1/subscriptions/confirm", {"token": inbox.link(email, "/subscriptions/confirm")})
        s, _ = api.call("POST", host, "/api/v1/admin/announcements",
                        {"subject": "Fête du village", "body": "Samedi sur la place."}, token=admin)
        step("an announcement is accepted (notifications service)", s == 202, s)
        deadline = time.time() + 60
        while time.time() < deadline and sum(
                1 for _, m in list(inbox.messages) if m["Subject"] and "Fête du village" in m["Subject"]) < SUBSCRIBERS:
            time.sleep(0.1)
        got = sum(1 for _, m in list(inbox.messages) if m["Subject"] and "Fête du village" in m["Subject"])
        step(f"every subscriber gets the announcement ({got} of {SUBSCRIBERS}, at least)", got >= SUBSCRIBERS, got)
        shares = [sent_by(ports[f"worker-{i}"][1]) for i in (1, 2)]
        step(f"both workers sent mail from the shared stream ({shares[0]:.0f} and {shares[1]:.0f})",
             all(n > 0 for n in shares), shares)
        fives = [s for s in api.statuses if s[0] >= 500]
        step("no answer was a 5xx", not fives, fives)
    finally:
        started = [int(open(os.path.join(run_dir, f)).read()) for f in os.listdir(run_dir) if f.endswith(".pid")]
        down = subprocess.run([script, "stop"], env=env, capture_output=True, text=True)
        left = [pid for pid in started if alive(pid)]
        smtp.stop()
        psql(f"{PG}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    step(f"run-local-cluster stops everything it started ({len(started)} processes)",
         down.returncode == 0 and started and not left, left)


if __name__ == "__main__":
    main()
