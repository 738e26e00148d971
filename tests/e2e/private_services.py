"""Private PostgreSQL and Redis servers for the fault scripts: a server of
our own on a free port in a temporary folder, that a script may stop, kill
and start again without touching the shared ones. Also the helpers the
fault scripts share (a town with an announcement's audience seeded in SQL,
counting mails at the SMTP server, process checks).

PostgreSQL runs as the `postgres` OS user (initdb refuses root), from
/usr/lib/postgresql/<version>/bin (the newest installed, 15 here), trust
authentication, listening on 127.0.0.1 only.
"""
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from harness import free_port, psql


def _pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0)
    if not found:
        raise SystemExit("FAIL no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return os.path.dirname(found[-1])


def _as_postgres(args, **kw):
    """Runs `args` as the postgres OS user (we are root: initdb and postgres refuse root)."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, capture_output=True, text=True, **kw)


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class PrivatePostgres:
    """A throw-away PostgreSQL cluster: `start()`, `stop(mode)`, `start()` again, `destroy()`."""

    def __init__(self, port=None):
        self.bin = _pg_bin()
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="e2e-pg-")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        out = _as_postgres([f"{self.bin}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres",
                            "-E", "UTF8", "--locale=C", "--no-sync"])
        if out.returncode != 0:
            raise SystemExit(f"FAIL initdb: {out.stdout}{out.stderr}")
        # Tuned for a throw-away test server; 200 connections: two pools of 20 and the scripts.
        with open(os.path.join(self.data, "postgresql.auto.conf"), "a") as f:
            f.write(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.dir}'\n"
                    "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}"

    def start(self):
        out = _as_postgres([f"{self.bin}/pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "start"])
        if out.returncode != 0:
            raise SystemExit(f"FAIL pg_ctl start: {out.stdout}{out.stderr}\n{self.tail()}")

    def stop(self, mode="fast"):
        """`fast`: what a restart does (sessions are ended, in-flight transactions rolled back);
        `immediate`: a crash."""
        out = _as_postgres([f"{self.bin}/pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop"])
        if out.returncode != 0:
            raise SystemExit(f"FAIL pg_ctl stop: {out.stdout}{out.stderr}")

    def running(self):
        return _as_postgres([f"{self.bin}/pg_ctl", "-D", self.data, "status"]).returncode == 0

    def tail(self, lines=20):
        try:
            with open(self.log) as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def destroy(self):
        if self.running():
            _as_postgres([f"{self.bin}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.destroy()


class PrivateRedis:
    """A redis-server of our own, without persistence: killed, it comes back empty."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="e2e-redis-")
        self.proc = None
        self.url = f"redis://127.0.0.1:{self.port}"
        self.starts = 0

    def start(self):
        self.starts += 1
        log = open(os.path.join(self.dir, f"redis-{self.starts}.log"), "w")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", self.dir],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.cli("PING") == "PONG":
                return
            time.sleep(0.05)
        raise SystemExit(f"FAIL redis-server did not start on port {self.port}")

    def kill(self):
        """SIGKILL: whatever it held is gone."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def cli(self, *args):
        out = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True)
        return out.stdout.strip()

    def destroy(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.destroy()


def clone_subscribers(db_url, host_slug, model_email, n, prefix="abonne"):
    """Copies the confirmed subscription of `model_email` (made through the API:
    double opt-in, consent kept) into `n` confirmed subscriptions
    `<prefix><i>@example.fr` of the same town, in one statement: every column
    as the app wrote it, only the id and the address changed."""
    cols = psql(db_url, "SELECT string_agg(quote_ident(column_name), ',' ORDER BY ordinal_position) "
                        "FROM information_schema.columns WHERE table_name = 'subscriptions' "
                        "AND table_schema = current_schema()").split(",")
    picked = []
    for c in cols:
        if c == "id":
            picked.append("gen_random_uuid()")
        elif c == "email":
            picked.append(f"'{prefix}' || lpad(i::text, 6, '0') || '@example.fr'")
        else:
            picked.append(f"s.{c}")
    psql(db_url, f"INSERT INTO subscriptions ({','.join(cols)}) "
                 f"SELECT {','.join(picked)} FROM subscriptions s, generate_series(1, {int(n)}) AS i "
                 f"WHERE s.email = '{model_email}'; ANALYZE subscriptions")
    return int(psql(db_url, "SELECT count(*) FROM subscriptions s JOIN tenants t ON t.id = s.tenant_id "
                            f"WHERE t.slug = '{host_slug}' AND s.status = 'confirmed' "
                            f"AND s.email LIKE '{prefix}%'"))


def announce_to_many(api, inbox, host, admin, db_url, counter, size, subject, share):
    """One subscriber confirms through the API and is copied `size` times in
    SQL; the admin announces `subject`. Returns (sent_at, mails counted) once
    `share` of the copies got theirs (or two minutes passed)."""
    from harness import step
    model = "modele@example.fr"
    s, _ = api.call("POST", host, "/api/v1/subscriptions", {"email": model, "page": "/"})
    s2, _ = api.call("POST", host, "/api/v1/subscriptions/confirm",
                     {"token": inbox.link(model, "/subscriptions/confirm")})
    step("a subscriber subscribes and confirms through the API", s == 202 and s2 == 200, (s, s2))
    t = time.time()
    n = clone_subscribers(db_url, host.split(".", 1)[0], model, size)
    step(f"{n} confirmed subscribers copied from it in SQL ({time.time() - t:.1f} s)", n == size, n)
    sent_at = time.time()
    s, _ = api.call("POST", host, "/api/v1/admin/announcements",
                    {"subject": subject, "body": "Le conseil municipal se réunit jeudi."}, token=admin)
    step("the announcement is accepted", s == 202, s)
    while counter.distinct("abonne") < size * share and time.time() < sent_at + 120:
        time.sleep(0.01)
    before = counter.distinct("abonne")
    step(f"a share of the mails went out first ({before} in {time.time() - sent_at:.1f} s)",
         before >= size * share, before)
    return sent_at, before


class MailCounter:
    """An aiosmtpd handler that only counts: recipients of mails whose subject
    holds `subject` (bytes compared, no parsing: cheap at thousands a second),
    and keeps other mails whole for the links they carry."""

    def __init__(self, inbox, subject):
        self.inbox = inbox
        self.subject = subject
        self.counts = {}
        self.first_at = None
        self.last_at = None
        self.times = []  # when each counted mail arrived

    async def handle_DATA(self, server, session, envelope):
        content = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        head = content.split(b"\r\n\r\n", 1)[0]
        if self.subject in head:
            now = time.time()
            self.first_at = self.first_at or now
            self.last_at = now
            self.times.append(now)
            for r in envelope.rcpt_tos:
                self.counts[r] = self.counts.get(r, 0) + 1
            return "250 OK"
        return await self.inbox.handle_DATA(server, session, envelope)

    def longest_pause(self, after):
        """The longest time without a counted mail from `after` on: (seconds, from when)."""
        times = [after] + [t for t in list(self.times) if t >= after]
        gaps = [(b - a, a) for a, b in zip(times, times[1:])]
        return max(gaps, default=(0.0, after))

    def distinct(self, prefix=""):
        return sum(1 for r in list(self.counts) if r.startswith(prefix))

    def duplicates(self, prefix=""):
        return sum(c - 1 for r, c in list(self.counts.items()) if r.startswith(prefix) and c > 1)

    def total(self, prefix=""):
        return sum(c for r, c in list(self.counts.items()) if r.startswith(prefix))


def statuses_by(db_url, table="deliveries"):
    return dict(line.split("|") for line in
                psql(db_url, f"SELECT status, count(*) FROM {table} GROUP BY status ORDER BY 1").split("\n") if line)


def fresh_database(tag="e2e"):
    """A new database on the harness' PostgreSQL server, set up as
    `harness.platform()` sets up its own (when the harness connects the
    platform as an application role with row-level security, so does this).
    Returns (name, owner_url, env) where env holds DATABASE_URL (and
    MIGRATION_DATABASE_URL when the harness uses one)."""
    import urllib.parse
    import uuid

    import harness
    name = f"{tag}_{uuid.uuid4().hex}"
    psql(f"{harness.PG}/postgres", f'CREATE DATABASE "{name}"')
    owner = f"{harness.PG}/{name}"
    role = getattr(harness, "APP_ROLE", None)
    if not role:
        return name, owner, {"DATABASE_URL": f"{owner}?sslmode=disable"}
    psql(f"{harness.PG}/postgres", f"DO $$ BEGIN CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS; "
                                   "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
    netloc = urllib.parse.urlsplit(harness.PG).netloc.rsplit("@", 1)[-1]
    return name, owner, {"DATABASE_URL": f"postgres://{role}@{netloc}/{name}?sslmode=disable",
                         "MIGRATION_DATABASE_URL": f"{owner}?sslmode=disable"}


def drop_database(name):
    import harness
    psql(f"{harness.PG}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def metric(port, name, label=""):
    """Sum of a Prometheus counter's samples (those whose labels contain `label`)."""
    import urllib.request
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as res:
            text = res.read().decode()
    except OSError:
        return None
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name) and label in line)


failures = []


def check(name, ok, detail=""):
    """Like harness.step, but goes on after a failure so that every figure is
    measured; `finish()` then exits non-zero if any check failed."""
    failures.extend([name] if not ok else [])
    print(f"{'ok ' if ok else 'FAIL'} {name}" + (f" — {detail}" if detail and not ok else ""), flush=True)


def finish():
    if failures:
        print(f"{len(failures)} check(s) failed: " + "; ".join(failures), flush=True)
        raise SystemExit(1)


def internal_errors(log_path, limit=20):
    """The distinct (route, cause) of the 500s the server logged (JSON lines), most frequent first."""
    import json
    seen = {}
    try:
        with open(log_path) as f:
            for line in f:
                if "internal error" not in line:
                    continue
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                fields = rec.get("fields", rec)
                cause = str(fields.get("error", ""))
                # The variant and the first words of the cause are enough to tell them apart.
                short = cause.split(", detail:")[0].split(" {")[0] if "PgDatabaseError" not in cause else \
                    cause.split(" {")[0] + " " + cause.split("message: ", 1)[-1].split(", detail")[0]
                if "kind: " in cause:
                    short = cause.split("(Os")[0] + "(" + cause.split("kind: ", 1)[1].split(",")[0] + ")"
                key = f"{rec.get('span', {}).get('method', '')} {rec.get('span', {}).get('route', '?')}: {short[:160]}"
                seen[key] = seen.get(key, 0) + 1
    except OSError:
        return []
    return sorted(seen.items(), key=lambda x: -x[1])[:limit]


def drop_redis_keys(url, prefix):
    """Deletes the keys a run left on a shared Redis under its own prefix."""
    keys = subprocess.run(["redis-cli", "-u", url, "--scan", "--pattern", f"{prefix}:*"],
                          capture_output=True, text=True).stdout.split()
    for i in range(0, len(keys), 500):
        subprocess.run(["redis-cli", "-u", url, "DEL", *keys[i:i + 500]], capture_output=True)


def _terminated(signum, frame):
    # `timeout` or CI sends SIGTERM: unwind, so that every `finally` stops what it started.
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _terminated)
