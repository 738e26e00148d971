#!/usr/bin/env python3
"""HTTP benchmark of `participation` against its ceiling; see
tests/bench/README.md for what it measures and the figures of record.

    python3 tests/bench/run.py [--towns 1600] [--duration 10] [--connections 50] [--threads 2]

One command: builds the release binaries (`participation` and the ceiling
`bench_ceiling`; skip with --no-build), creates a fresh PostgreSQL database,
migrates it with `participation migrate`, gets two password hashes out of the
app itself (`participation demo`, at the product's argon2 cost and at the
lowest one), seeds the data set (tests/bench/seed.sql), starts both servers on
that database with a Redis key prefix of their own, logs citizens in through
the API to get their tokens, then drives wrk (tests/bench/requests.lua) with
the same settings against the ceiling and the product in turn, and prints a
table of each figure with its ceiling and goal. Results also go to
target/bench/results-<towns>.json; --compare FILE prints the read latencies
against an earlier run's (the 35,000-town goal).

Environment: BENCH_PG (server URL, default postgres://postgres@127.0.0.1:5432;
the owner, who creates, migrates and seeds the database), BENCH_APP_DATABASE_URL
(the URL the two servers connect with; `{db}` in it is replaced by the
database name; default: the role participation_app, which owns nothing),
BENCH_REDIS (default redis://127.0.0.1:6379), DATABASE_POOL_SIZE and ARGON2_*
(passed to both servers when set).
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DOMAIN = "participation.test"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def psql(url, sql, *extra):
    """Runs `sql` (read from stdin, so `-v name=value` variables are interpolated)."""
    out = subprocess.run(["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", *extra, "-f", "-"],
                         input=sql, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def bid(kind, n):
    """The ids seed.sql builds from a row's coordinates."""
    return f"{kind:08x}-0000-7000-8000-{n:012x}"


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Client:
    """One keep-alive connection per thread."""

    def __init__(self, port):
        self.port = port
        self.local = threading.local()

    def call(self, method, host, path, body=None, headers=None):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = {"Host": host, **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=data, headers=h)
            res = conn.getresponse()
            raw = res.read()
        except (http.client.HTTPException, OSError):
            self.local.conn = None
            conn.close()
            raise
        return res.status, raw


def wait_ready(port, proc, what):
    c = Client(port)
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with status {proc.returncode}")
        try:
            if c.call("GET", DOMAIN, "/readyz")[0] in (200, 404):
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"{what} not ready")


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def parse_wrk(out):
    def ms(v):
        num, unit = re.match(r"([\d.]+)(\w+)", v).groups()
        return float(num) * UNITS[unit]
    lat = {p: ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M)}
    total = int(re.search(r"(\d+) requests in", out).group(1))
    secs = float(re.search(r"requests in ([\d.]+)s", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    bad = int(bad.group(1)) if bad else 0
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = sum(map(int, errs.groups())) if errs else 0
    return {"requests": total, "seconds": secs, "rps": total / secs, "ok_rps": (total - bad) / secs,
            "non2xx": bad, "socket_errors": errors, "p50": lat.get("50"), "p99": lat.get("99")}


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="bench-")
        self.procs = []
        self.results = {"machine": machine(), "args": vars(args), "rows": []}

    # ---------------------------------------------------------------- setup
    def database(self):
        a = self.args
        if a.db:
            self.dbname, self.owned = a.db, False
            log(f"reusing database {a.db} (no seeding)")
        else:
            self.dbname, self.owned = f"bench_{uuid.uuid4().hex[:12]}", True
            psql(f"{PG}/postgres", f'CREATE DATABASE "{self.dbname}"')
            log(f"database {self.dbname}")
        self.owner_url = f"{PG}/{self.dbname}?sslmode=disable"
        # As in production: the servers connect as a role that owns nothing,
        # bound by row-level security; the owner migrates and grants.
        psql(f"{PG}/postgres", "DO $$ BEGIN CREATE ROLE participation_app LOGIN NOSUPERUSER NOBYPASSRLS; "
                               "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
        host = urllib.parse.urlsplit(PG).netloc.rsplit("@", 1)[-1]
        app = os.environ.get("BENCH_APP_DATABASE_URL", f"postgres://participation_app@{host}/{{db}}?sslmode=disable")
        self.app_url = app.replace("{db}", self.dbname)
        self.prefix = f"bench-{uuid.uuid4().hex[:12]}"
        self.data_dir = os.path.join(self.work, "data")
        self.port, self.ceiling_port = free_port(), free_port()
        base = {
            "PATH": os.environ.get("PATH", ""),
            "REDIS_URL": REDIS, "REDIS_KEY_PREFIX": self.prefix,
            "PLATFORM_DOMAIN": DOMAIN, "DATA_DIR": self.data_dir,
            "MAIL_RATE_PER_SECOND": "0", "AUTH_RATE_LIMIT": "1000000/sec",
        }
        for var in ("DATABASE_POOL_SIZE", "ARGON2_MEMORY_KIB", "ARGON2_ITERATIONS", "ARGON2_PARALLELISM", "RUST_LOG",
                    "MALLOC_ARENA_MAX", "PAGE_CACHE_MB"):
            if var in os.environ:
                base[var] = os.environ[var]
        self.owner_env = {**base, "DATABASE_URL": self.owner_url,
                          "LISTEN_ADDR": f"127.0.0.1:{free_port()}", "METRICS_ADDR": f"127.0.0.1:{free_port()}"}
        self.app_env = {**base, "DATABASE_URL": self.app_url, "MIGRATION_DATABASE_URL": self.owner_url,
                        "LISTEN_ADDR": f"127.0.0.1:{self.port}", "METRICS_ADDR": f"127.0.0.1:{free_port()}"}
        self.ceiling_env = {**base, "DATABASE_URL": self.app_url,
                            "LISTEN_ADDR": f"127.0.0.1:{self.ceiling_port}", "METRICS_ADDR": f"127.0.0.1:{free_port()}"}

    def run_bin(self, *cmd, env):
        return subprocess.run([self.args.bin, *cmd], env=env, check=True, capture_output=True, text=True).stdout

    def passwords(self):
        """Two hashes out of the app itself: `participation demo` prints a
        citizen's fresh password and stores its hash; run again at the lowest
        argon2 cost, it gives the cheap one."""
        def demo(extra):
            out = self.run_bin("demo", env={**self.owner_env, **extra})
            pw = re.search(r"habitant·es\s*:\s*\S+.* / (\S+)", out).group(1)
            h = psql(self.owner_url, "SELECT password_hash FROM users WHERE email = 'camille@example.org' "
                                     "AND tenant_id = (SELECT id FROM tenants WHERE slug = 'demo')")
            return pw, h
        self.real_pw, self.real_hash = demo({})
        self.cheap_pw, self.cheap_hash = demo({"ARGON2_MEMORY_KIB": "64", "ARGON2_ITERATIONS": "1",
                                               "ARGON2_PARALLELISM": "1"})
        self.results["argon2_real"] = self.real_hash.split("$")[3]
        self.results["argon2_cheap"] = self.cheap_hash.split("$")[3]
        self.results["passwords"] = {"real": self.real_pw, "cheap": self.cheap_pw}

    def digests_done(self):
        """Marks this week's digest of every town as sent. On Mondays from 08:00
        the server's worker records and fans out each town's weekly digest
        (300 citizens a town): at its start, every seeded town's at once, which
        loads the database during the whole run. The benchmark is of the web
        server: this week's digests are left out (keys as `digest::due` makes them)."""
        psql(self.owner_url, "INSERT INTO outbox (id, tenant_id, kind, payload, idempotency_key, created_at, "
                             "relayed_at, processed_at) "
                             "SELECT gen_random_uuid(), id, 'digest.weekly', '{}', "
                             "id || '/digest:' || to_char(now() AT TIME ZONE time_zone, 'IYYY-\"W\"IW'), "
                             "now(), now(), now() FROM tenants ON CONFLICT (idempotency_key) DO NOTHING")

    def seed(self):
        a = self.args
        if a.db:
            saved = json.loads(psql(self.owner_url, "SELECT value FROM bench_meta WHERE key = 'passwords'"))
            self.real_pw, self.cheap_pw = saved["real"], saved["cheap"]
            self.real_hash = psql(self.owner_url, "SELECT password_hash FROM users WHERE email LIKE 'c250@%' LIMIT 1")
            self.results["argon2_real"] = self.real_hash.split("$")[3]
            self.digests_done()
            return
        log("migrate")
        t0 = time.time()
        self.run_bin("migrate", env=self.owner_env)
        self.passwords()
        log(f"seeding {a.towns} towns (tests/bench/seed.sql)")
        t1 = time.time()
        out = subprocess.run(["psql", self.owner_url, "-q", "-v", f"towns={a.towns}",
                              "-v", f"real_hash={self.real_hash}", "-v", f"cheap_hash={self.cheap_hash}",
                              "-f", os.path.join(HERE, "seed.sql")], check=True, capture_output=True, text=True)
        seconds = time.time() - t1
        psql(self.owner_url, "CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text)")
        psql(self.owner_url, "INSERT INTO bench_meta VALUES ('passwords', :'v')", "-v",
             f"v={json.dumps(self.results['passwords'])}")
        counts = psql(self.owner_url, "SELECT (SELECT count(*) FROM tenants), (SELECT count(*) FROM users), "
                                      "(SELECT count(*) FROM responses), (SELECT count(*) FROM answers), "
                                      "(SELECT count(*) FROM proposals), (SELECT count(*) FROM supports), "
                                      "(SELECT count(*) FROM comments), pg_size_pretty(pg_database_size(current_database()))")
        self.results["seed"] = {"seconds": round(seconds, 1), "migrate_seconds": round(t1 - t0, 1),
                                "counts": counts, "output": out.stdout.strip()}
        log(f"seeded in {seconds:.0f} s; tenants|users|responses|answers|proposals|supports|comments|size = {counts}")
        self.digests_done()

    def start(self):
        os.makedirs(self.data_dir, exist_ok=True)
        # Made by the owner before the product starts, whose migration step grants every table.
        psql(self.owner_url, "CREATE TABLE IF NOT EXISTS bench_ceiling_writes "
                             "(id uuid PRIMARY KEY, host text NOT NULL, created_at timestamptz NOT NULL)")
        self.app_log = open(os.path.join(self.work, "participation.log"), "w")
        self.app = subprocess.Popen([self.args.bin, "serve"], env=self.app_env,
                                    stdout=self.app_log, stderr=self.app_log)
        self.procs.append(self.app)
        wait_ready(self.port, self.app, "participation")
        self.ceiling = subprocess.Popen([self.args.ceiling], env=self.ceiling_env,
                                        stdout=self.app_log, stderr=self.app_log)
        self.procs.append(self.ceiling)
        wait_ready(self.ceiling_port, self.ceiling, "bench_ceiling")
        log(f"participation on :{self.port} (pid {self.app.pid}), bench_ceiling on :{self.ceiling_port}")

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=40)
            except subprocess.TimeoutExpired:
                p.kill()
        if self.owned and not self.args.keep_db:
            psql(f"{PG}/postgres", f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
        elif hasattr(self, "dbname"):
            log(f"database kept: {self.dbname} (rerun with --db {self.dbname})")
        try:
            keys = subprocess.run(["redis-cli", "-u", REDIS, "--scan", "--pattern", f"{self.prefix}*"],
                                  capture_output=True, text=True).stdout.split()
            if keys:
                subprocess.run(["redis-cli", "-u", REDIS, "DEL", *keys], capture_output=True)
        except OSError:
            pass

    # ------------------------------------------------------------- the data
    def towns(self):
        rows = psql(self.owner_url, "SELECT slug, id FROM tenants WHERE slug LIKE 'v%' ORDER BY slug").splitlines()
        self.town = [(s, int(i.replace("-", "")[-12:], 16)) for s, i in (r.split("|") for r in rows)]
        log(f"{len(self.town)} towns")

    def login_many(self, who, password):
        """Logs `who` ([(slug, email)]) in through the API; their access tokens."""
        c = Client(self.port)

        def one(item):
            slug, email = item
            status, raw = c.call("POST", f"{slug}.{DOMAIN}", "/api/v1/auth/login",
                                 {"email": email, "password": password})
            if status != 200:
                raise SystemExit(f"login of {email}: {status} {raw[:200]!r}")
            return json.loads(raw)["access_token"]

        t0 = time.time()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            tokens = list(pool.map(one, who))
        log(f"{len(who)} citizens logged in in {time.time() - t0:.1f} s")
        return tokens

    def write_file(self, name, lines):
        path = os.path.join(self.work, name)
        with open(path, "w") as f:
            for method, host, p, auth, body in lines:
                f.write(f"{method}\t{host}\t{p}\t{auth}\t{json.dumps(body) if body is not None else '-'}\n")
        return path

    def check(self, port, path, n=5):
        """A few lines of the file sent one by one: each must succeed."""
        c = Client(port)
        with open(path) as f:
            lines = [next(f) for _ in range(n)]
        for line in lines:
            method, host, p, auth, body = line.rstrip("\n").split("\t")
            h = {}
            if auth.startswith("bearer:"):
                h["Authorization"] = "Bearer " + auth[7:]
            elif auth.startswith("cookie:"):
                h["Cookie"] = "participation_session=" + auth[7:]
                h["Accept"] = "text/html"
            elif not p.startswith("/api/"):
                h["Accept"] = "text/html"
            status, raw = c.call(method, host, p, None if body == "-" else json.loads(body), h)
            if status >= 300:
                raise SystemExit(f"check {method} {host}{p}: {status} {raw[:300]!r}")

    # ---------------------------------------------------------------- wrk
    def wrk(self, port, path, mode="random", duration=None, connections=None):
        a = self.args
        cmd = ["wrk", f"-t{a.threads}", f"-c{connections or a.connections}", f"-d{duration or a.duration}s",
               "--latency", "--timeout", "10s", "-s", os.path.join(HERE, "requests.lua"),
               f"http://127.0.0.1:{port}", "--", path, mode, str(a.threads)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        return parse_wrk(out)

    def sample_rss(self, stop, into):
        while not stop.is_set():
            into.append(rss_kib(self.app.pid))
            stop.wait(0.25)

    def pair(self, label, path, goal, unit, mode="random", check=True):
        """Ceiling then product, same file, same wrk settings, `--rounds` times
        in turn; the median of each figure (a machine slowed for a while by
        something else weighs on both)."""
        # Writes: one file a round, so that no round replays another's pairs.
        paths = path if isinstance(path, list) else [path] * self.args.rounds
        if check:
            self.check(self.ceiling_port, paths[0])
            if mode == "random":
                self.check(self.port, paths[0])
        ceilings, products, samples = [], [], []
        for path in paths:
            time.sleep(1)
            ceilings.append(self.wrk(self.ceiling_port, path, mode))
            time.sleep(1)
            stop = threading.Event()
            sampler = threading.Thread(target=self.sample_rss, args=(stop, samples))
            sampler.start()
            products.append(self.wrk(self.port, path, mode))
            stop.set()
            sampler.join()
        product, ceiling = median_of(products), median_of(ceilings)
        row = {"label": label, "unit": unit, "goal": goal, "product": product, "ceiling": ceiling,
               "rounds": {"product": products, "ceiling": ceilings},
               "ratio": product["ok_rps"] / ceiling["ok_rps"] if ceiling["ok_rps"] else None,
               "ratios": [p["ok_rps"] / c["ok_rps"] for p, c in zip(products, ceilings) if c["ok_rps"]],
               "rss_peak_kib": max(samples) if samples else None, "rss_end_kib": samples[-1] if samples else None}
        self.results["rows"].append(row)
        log(f"{label}: {product['ok_rps']:.0f}/s p50 {product['p50']:.2f} ms p99 {product['p99']:.2f} ms "
            f"(ceiling {ceiling['ok_rps']:.0f}/s p99 {ceiling['p99']:.2f} ms) non-2xx {product['non2xx']} "
            f"ratios {', '.join(f'{r:.0%}' for r in row['ratios'])} "
            f"rss peak {row['rss_peak_kib'] // 1024 if samples else '?'} MiB")
        return row

    # ------------------------------------------------------------ scenarios
    def reads(self):
        a = self.args
        rnd = random.Random(1)
        towns = self.town
        anon_list = [("GET", f"{s}.{DOMAIN}", "/api/v1/consultations", "-", None) for s, _ in towns]
        anon_page = [("GET", f"{s}.{DOMAIN}", f"/consultations/{bid(3, t * 10 + k)}", "-", None)
                     for s, t in towns for k in range(1, 6)]
        ctowns = rnd.sample(towns, min(a.citizen_towns, len(towns)))
        tokens = self.login_many([(s, f"c{rnd.randrange(0, 200)}@{s}.example.org") for s, _ in ctowns],
                                 self.cheap_pw)
        cit_list = [("GET", f"{s}.{DOMAIN}", "/api/v1/consultations", f"bearer:{tok}", None)
                    for (s, _), tok in zip(ctowns, tokens)]
        cit_page = [("GET", f"{s}.{DOMAIN}", f"/consultations/{bid(3, t * 10 + k)}", f"cookie:{tok}", None)
                    for (s, t), tok in zip(ctowns, tokens) for k in range(1, 6)]
        files = {n: self.write_file(f"{n}.tsv", rnd.sample(lines, len(lines))) for n, lines in
                 [("list_anon", anon_list), ("page_anon", anon_page), ("list_citizen", cit_list),
                  ("page_citizen", cit_page)]}
        # Warm-up: pools filled, hosts resolved once, both servers.
        for port in (self.ceiling_port, self.port):
            self.wrk(port, files["list_anon"], duration=3)
        self.results["rss_warm_kib"] = rss_kib(self.app.pid)
        for name, label in [("list_anon", "GET /api/v1/consultations, anonymous"),
                            ("list_citizen", "GET /api/v1/consultations, citizen"),
                            ("page_anon", "GET /consultations/{id} (page), anonymous"),
                            ("page_citizen", "GET /consultations/{id} (page), citizen")]:
            self.pair(label, files[name], 0.60, "req/s")

    def writes(self):
        a = self.args
        rnd = random.Random()  # not seeded: a rerun on a kept database picks other citizens
        # Distinct (citizen, open questionnaire) pairs nobody has used: c0–c199 of
        # random towns, each answering c1 and c2; minus those answered by an earlier run.
        done = set(psql(self.owner_url, "SELECT user_id || '|' || consultation_id FROM responses "
                                        "WHERE created_at > now() - interval '10 days'").split())
        people = set()
        while len(people) < a.write_pairs // 2:
            s, t = rnd.choice(self.town)
            people.add((s, t, rnd.randrange(0, 200)))
        people = sorted(people)
        rnd.shuffle(people)
        tokens = self.login_many([(s, f"c{i}@{s}.example.org") for s, _, i in people], self.cheap_pw)
        lines = []
        for (s, t, i), tok in zip(people, tokens):
            for k in (1, 2):
                if f"{bid(2, t * 1000 + i)}|{bid(3, t * 10 + k)}" in done:
                    continue
                body = {"answers": [
                    {"question_id": bid(4, t * 100 + k * 10 + 1),
                     "option_ids": [bid(5, t * 1000 + k * 100 + 10 + 1 + rnd.randrange(3))]},
                    {"question_id": bid(4, t * 100 + k * 10 + 2), "value": rnd.randint(1, 5)},
                    {"question_id": bid(4, t * 100 + k * 10 + 3), "text": "Bonne initiative, merci."}]}
                lines.append(("POST", f"{s}.{DOMAIN}", f"/api/v1/consultations/{bid(3, t * 10 + k)}/responses",
                              f"bearer:{tok}", body))
        # Both halves of a citizen's pair kept apart in time.
        lines = lines[0::2] + lines[1::2]
        n = a.rounds
        paths = [self.write_file(f"responses-{r}.tsv", lines[r * len(lines) // n:(r + 1) * len(lines) // n])
                 for r in range(n)]
        row = self.pair("POST /api/v1/consultations/{id}/responses", paths, 0.40, "responses/s", mode="once")
        stored = int(psql(self.owner_url, "SELECT count(*) FROM responses WHERE created_at > now() - interval '10 minutes'"))
        row["distinct_pairs"] = len(lines)
        row["stored"] = stored
        row["stored_note"] = "responses stored in the last 10 minutes (all rounds, plus the checks)"
        if max(r["requests"] for r in row["rounds"]["product"]) > len(lines) // n:
            log(f"warning: {row['product']['requests']} requests for {len(lines)} pairs: raise --write-pairs")

    def logins(self):
        rnd = random.Random(3)
        lines = [("POST", f"{s}.{DOMAIN}", "/api/v1/auth/login", "-",
                  {"email": f"c{rnd.randrange(200, 300)}@{s}.example.org", "password": self.real_pw})
                 for s, _ in rnd.choices(self.town, k=5000)]
        path = self.write_file("logins.tsv", lines)
        self.check(self.port, path)
        time.sleep(1)
        res = self.wrk(self.port, path, "random")
        self.results["rows"].append({"label": "POST /api/v1/auth/login", "unit": "logins/s", "goal": None,
                                     "product": res, "ceiling": None, "ratio": None})
        log(f"login: {res['ok_rps']:.1f}/s p50 {res['p50']:.1f} ms p99 {res['p99']:.1f} ms non-2xx {res['non2xx']}")

    # ------------------------------------------------------------- report
    def report(self):
        a, r = self.args, self.results
        rows = r["rows"]
        out = []
        out.append(f"{len(self.town)} towns; wrk -t{a.threads} -c{a.connections} -d{a.duration}s, "
                   f"medians of {a.rounds} rounds; "
                   f"argon2id {r.get('argon2_real')}")
        out.append("| benchmark | product | p50 | p99 | ceiling | ceiling p50 | ceiling p99 | ratio | goal | met |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for row in rows:
            p, c = row["product"], row["ceiling"]
            bad = f" ({p['non2xx']} non-2xx)" if p["non2xx"] else ""
            if c:
                met = "yes" if row["ratio"] >= row["goal"] else "**no**"
                out.append(f"| {row['label']} | {p['ok_rps']:.0f} {row['unit']}{bad} | {p['p50']:.2f} ms | "
                           f"{p['p99']:.2f} ms | {c['ok_rps']:.0f} | {c['p50']:.2f} ms | {c['p99']:.2f} ms | "
                           f"{row['ratio']:.0%} | ≥ {row['goal']:.0%} | {met} |")
            else:
                out.append(f"| {row['label']} | {p['ok_rps']:.1f} {row['unit']}{bad} | {p['p50']:.1f} ms | "
                           f"{p['p99']:.1f} ms | – | – | – | – | – | – |")
        idle = r.get("rss_idle_kib", 0) / 1024
        peak = max(((row.get("rss_peak_kib") or 0) for row in rows if row["unit"] == "req/s"), default=0) / 1024
        end = [row.get("rss_end_kib") for row in rows if row["unit"] == "req/s"]
        end = (end[-1] or 0) / 1024 if end else 0
        out.append("")
        out.append(f"resident memory of participation: idle {idle:.0f} MiB; under the read load peak {peak:.0f} MiB, "
                   f"at its end {end:.0f} MiB (goal < 150 MB: {'yes' if peak * 1.048576 < 150 else '**no**'})")
        if a.compare:
            before = json.load(open(a.compare))
            out.append("")
            out.append(f"read latency against {a.compare} ({len(before.get('towns_list', [])) or before['args']['towns']} towns):")
            out.append("| benchmark | p50 then | p50 now | p99 then | p99 now | p50 change | p99 change | within 10% |")
            out.append("|---|---:|---:|---:|---:|---:|---:|---|")
            for row in rows:
                old = next((x for x in before["rows"] if x["label"] == row["label"]), None)
                if not old or row["unit"] != "req/s":
                    continue
                p, q = row["product"], old["product"]
                d50, d99 = p["p50"] / q["p50"] - 1, p["p99"] / q["p99"] - 1
                out.append(f"| {row['label']} | {q['p50']:.2f} ms | {p['p50']:.2f} ms | {q['p99']:.2f} ms | "
                           f"{p['p99']:.2f} ms | {d50:+.0%} | {d99:+.0%} | {'yes' if max(d50, d99) <= 0.10 else '**no**'} |")
        text = "\n".join(out)
        print("\n" + text, flush=True)
        r["table"] = text
        os.makedirs(os.path.join(ROOT, "target", "bench"), exist_ok=True)
        dest = os.path.join(ROOT, "target", "bench", f"results-{len(self.town)}.json")
        with open(dest, "w") as f:
            json.dump(r, f, indent=1)
        log(f"results in {dest}; logs and request files in {self.work}")


def median_of(runs):
    """Each figure's median over the rounds; errors added up."""
    out = {k: statistics.median(r[k] for r in runs) for k in ("rps", "ok_rps", "p50", "p99", "seconds")}
    for k in ("requests", "non2xx", "socket_errors"):
        out[k] = sum(r[k] for r in runs)
    return out


def machine():
    cpu = ""
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
    pg = subprocess.run(["psql", f"{PG}/postgres", "-Atc", "SHOW server_version"], capture_output=True, text=True)
    return {"cpu": cpu, "cores": os.cpu_count(), "mem_gib": round(mem / 1024 / 1024, 1),
            "kernel": os.uname().release, "postgres": pg.stdout.strip(),
            "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--towns", type=int, default=1600)
    p.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    p.add_argument("--connections", type=int, default=50)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3, help="ceiling/product turns per figure (medians reported)")
    p.add_argument("--citizen-towns", type=int, default=2000, help="towns with a logged-in citizen for reads")
    p.add_argument("--write-pairs", type=int, default=30000, help="distinct (citizen, questionnaire) pairs")
    p.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "participation"))
    p.add_argument("--ceiling", default=os.path.join(ROOT, "target", "release", "bench_ceiling"))
    p.add_argument("--no-build", action="store_true")
    p.add_argument("--keep-db", action="store_true", help="keep the seeded database")
    p.add_argument("--db", help="reuse a database seeded by an earlier --keep-db run")
    p.add_argument("--only", default="read,write,login", help="comma-separated: read, write, login")
    p.add_argument("--compare", help="results JSON of an earlier run, to compare read latencies")
    a = p.parse_args()
    if not a.no_build:
        log("cargo build --release (participation, bench_ceiling)")
        subprocess.run(["cargo", "build", "--release", "-p", "platform", "--bin", "participation",
                        "-p", "participation-tests", "--bin", "bench_ceiling"], cwd=ROOT, check=True)
    b = Bench(a)
    try:
        b.database()
        b.seed()
        b.start()
        time.sleep(3)
        b.results["rss_idle_kib"] = rss_kib(b.app.pid)
        b.towns()
        only = a.only.split(",")
        if "read" in only:
            b.reads()
        if "write" in only:
            b.writes()
        if "login" in only:
            b.logins()
        b.report()
    finally:
        b.stop()


if __name__ == "__main__":
    main()
