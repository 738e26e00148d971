"""What the journeys from outside share: a real SMTP server keeping every
mail, an HTTP client that sends the Host header, and the `participation`
binary started on a fresh PostgreSQL database with Redis.
"""
import email
import email.policy
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager

from aiosmtpd.controller import Controller

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/debug/participation"
# The server's URL; a database name or options in it are dropped.
PG = urllib.parse.urlsplit(os.environ.get("E2E_DATABASE_URL", "postgres://postgres@127.0.0.1:5432"))
PG = f"{PG.scheme}://{PG.netloc}"
REDIS = os.environ.get("E2E_REDIS_URL", "redis://127.0.0.1:6379")
DOMAIN = "participation.test"
# The role the platform connects as: it owns nothing and row-level security
# binds it; migrations run as the server's user (MIGRATION_DATABASE_URL).
APP_ROLE = "participation_app"
steps = []
_lock = threading.Lock()


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


def alive(pid):
    """Whether process `pid` still runs (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie waiting for its parent is gone for our purposes.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] != "Z"


def step(name, ok, detail=""):
    with _lock:
        steps.append((name, ok))
        print(f"{'ok ' if ok else 'FAIL'} {name}" + (f" — {detail}" if detail and not ok else ""), flush=True)
    if not ok:
        raise SystemExit(1)


class Api:
    """Calls the platform as if on `host`; keeps every status it got back."""

    def call_raw(self, method, host, path, data, content_type):
        """Sends `data` as is, with no cookie and no token; the status and the body."""
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Host", host)
        req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                raw, status = res.read(), res.status
        except urllib.error.HTTPError as e:
            raw, status = e.read(), e.code
        with _lock:
            self.statuses.append((status, method, path))
        return status, raw

    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.statuses = []

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
        with _lock:
            self.statuses.append((status, method, path))
        kind = headers.get("Content-Type", "")
        return status, (json.loads(raw) if raw and "json" in kind else raw)


def psql(db_url, sql):
    out = subprocess.run(["psql", db_url, "-Atc", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()



@contextmanager
def platform(extra_env=None, log=None):
    """Yields (api, inbox, env, db_url) for a `participation serve` on a fresh
    database, connected as APP_ROLE (db_url: the owner's, for checks);
    everything is torn down afterwards. `log`: a file the server's
    output goes to (none: dropped)."""
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    name = f"e2e_{uuid.uuid4().hex}"
    psql(f"{PG}/postgres", f'CREATE DATABASE "{name}"')
    psql(f"{PG}/postgres", f"DO $$ BEGIN CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS; "
                           "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
    db_url = f"{PG}/{name}"
    netloc = urllib.parse.urlsplit(PG).netloc.rsplit("@", 1)[-1]
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": f"postgres://{APP_ROLE}@{netloc}/{name}?sslmode=disable",
        "MIGRATION_DATABASE_URL": f"{db_url}?sslmode=disable",
        "REDIS_URL": REDIS,
        "REDIS_KEY_PREFIX": f"e2e-{uuid.uuid4().hex}",
        "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "PLATFORM_DOMAIN": DOMAIN,
        "LISTEN_ADDR": f"127.0.0.1:{port}",
        "METRICS_ADDR": f"127.0.0.1:{free_port()}",
        "DATA_DIR": tempfile.mkdtemp(),
        "MAIL_RATE_PER_SECOND": "0",
        **(extra_env or {}),
    }
    server = None
    try:
        # Applies the migrations before the server starts.
        subprocess.run([BIN, "migrate"], env=env, check=True, capture_output=True)
        out = log if log is not None else subprocess.DEVNULL
        server = subprocess.Popen([BIN, "serve"], env=env, stdout=out, stderr=out)
        api = Api(port)
        for _ in range(200):
            try:
                if api.call("GET", DOMAIN, "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        yield api, inbox, env, db_url
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        smtp.stop()
        psql(f"{PG}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def operator_token(api, env):
    """Creates an operator with the CLI, sets the password by the printed link, logs in."""
    out = subprocess.run([BIN, "operator", "create", "--email", "ops@example.fr"], env=env,
                         check=True, capture_output=True, text=True).stdout.strip()
    pw = "une phrase de passe pour l’opérateur"
    api.call("POST", DOMAIN, "/api/v1/auth/password/reset", {"token": out.split("token=", 1)[1], "password": pw})
    return api.call("POST", DOMAIN, "/api/v1/auth/login", {"email": "ops@example.fr", "password": pw})[1]["access_token"]
