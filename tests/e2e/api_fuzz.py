#!/usr/bin/env python3
"""API fuzzing with schemathesis against the OpenAPI document the server
publishes (`GET /api/v1/openapi.json`), on a seeded instance: the
`participation` binary on PostgreSQL + Redis + a real SMTP server, a town with
a consultation of each kind, a proposal and a comment.

    python3 tests/e2e/api_fuzz.py [path/to/participation]

Three runs, each bounded by examples and by time: the town's host with the
token of one of its admins, the town's host with no token, and the platform
host with the operator's token (its own routes only). Path ids are the seeded
ones (a generated uuid finds nothing), query and bodies are generated.
Checks: not_a_server_error, status_code_conformance, content_type_conformance
and response_schema_conformance. Exits non-zero on any failure, after a
summary. Needs `pip install schemathesis==4.32.5` (FUZZ_SECONDS: the time of
each run, 60 by default; FUZZ_EXAMPLES: examples per operation, 25).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from consultations import citizen, open_town
from harness import DOMAIN, operator_token, platform, step

SECONDS = int(os.environ.get("FUZZ_SECONDS", "60"))
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
PLATFORM_PATHS = r"^/api/v1/(operator|signup|communes)"
# The caller's own account: erased, it could not fuzz the rest.
ERASE = "DELETE /api/v1/me"
# schemathesis, with one workaround: CPython 3.11 before 3.11.8 may raise
# SystemError ("AST constructor recursion depth mismatch", gh-106905) when
# hypothesis parses a big module again to describe a lambda; a lambda it
# cannot describe is then described as unknown, as hypothesis does for others.
RUNNER = """
import sys
import hypothesis.internal.lambda_sources as sources
describe = sources._lambda_description
def tolerant(f, *args, **kwargs):
    try:
        return describe(f, *args, **kwargs)
    except SystemError:
        return "lambda: <unknown>"
sources._lambda_description = tolerant
import schemathesis.cli
sys.argv[0] = "schemathesis"
schemathesis.cli.schemathesis()
"""


def seed(api, inbox, ops):
    """A town with an admin, a citizen, and a consultation of each kind; another awaiting review."""
    host, admin = open_town(api, inbox, ops, "28191", "hanches")
    person = citizen(api, inbox, host, "fuzz@example.fr")

    def create(body):
        s, c = api.call("POST", host, "/api/v1/consultations", body, token=admin)
        assert s == 201, (s, c)
        return c["id"]

    q = create({"title": "Questionnaire", "kind": "questionnaire"})
    api.call("POST", host, f"/api/v1/consultations/{q}/questions",
             {"kind": "single_choice", "label": "Où ?", "required": True, "options": ["Ici", "Là"]}, token=admin)
    box = create({"title": "Idées", "kind": "proposals", "categories": ["Mobilité"]})
    budget = create({"title": "Budget", "kind": "budget", "budget_cents": 100_000})
    api.call("POST", host, f"/api/v1/consultations/{budget}/projects", {"title": "Banc", "cost_cents": 10_000},
             token=admin)
    draft = create({"title": "Brouillon", "kind": "questionnaire"})
    for c in (q, box, budget):
        api.call("POST", host, f"/api/v1/consultations/{c}/publish", token=admin)
    _, p = api.call("POST", host, f"/api/v1/consultations/{box}/proposals", {"title": "Arceaux", "body": "Oui"},
                    token=person)
    _, c = api.call("POST", host, f"/api/v1/consultations/{box}/comments", {"body": "Bien"}, token=person)
    # The operator's run may approve, suspend or delete a town: another one.
    s, other = api.call("POST", DOMAIN, "/api/v1/signup", {"insee_code": "28279", "slug": "nogent",
                                                          "contact_email": "mairie@nogent.fr", "contact_name": "M"})
    assert s == 201, (s, other)
    api.call("POST", DOMAIN, "/api/v1/signup/verify", {"token": inbox.link("mairie@nogent.fr", "/signup/verify")})
    return host, admin, {"questionnaire": q, "box": box, "budget": budget, "draft": draft, "proposal": p["id"],
                         "comment": c["id"], "tenant": other["id"]}


def config(ids):
    """schemathesis.toml: which seeded id each path's `{id}` takes."""
    bind = [
        (r"^/api/v1/consultations/\{id\}/(questions|responses)$", ids["draft"]),
        (r"^/api/v1/consultations/\{id\}/(proposals|comments)$", ids["box"]),
        (r"^/api/v1/consultations/\{id\}/(projects|ballot)$", ids["budget"]),
        (r"^/api/v1/consultations/\{id\}", ids["questionnaire"]),
        (r"^/api/v1/proposals/\{id\}", ids["proposal"]),
        (r"^/api/v1/comments/\{id\}", ids["comment"]),
        (r"^/api/v1/operator/tenants/\{id\}", ids["tenant"]),
        (r"^/api/v1/communes/\{insee_code\}", "28191"),
    ]
    blocks = []
    for regex, value in bind:
        name = "insee_code" if "insee_code" in regex else "id"
        blocks.append(f"[[operations]]\ninclude-path-regex = {json.dumps(regex)}\n"
                      f"parameters = {{ \"path.{name}\" = {json.dumps(value)} }}\n")
    return "\n".join(blocks)


def run(label, base, host, token, include, exclude, report_dir, conf):
    """One schemathesis run; its exit status and its JSON lines of events."""
    events = os.path.join(report_dir, f"{label}.ndjson")
    cmd = [sys.executable, "-c", RUNNER, "--config-file", conf, "run", f"{base}/api/v1/openapi.json",
           "--url", base, "-H", f"Host: {host}", "--checks", CHECKS, "--max-examples", str(EXAMPLES),
           "--max-time", str(SECONDS), "--workers", "1", "--seed", "1", "--no-color", "--request-timeout", "15",
           "--generation-database", "none", "--phases", "examples,coverage,fuzzing",
           "--report", "ndjson", "--report-ndjson-path", events, "--suppress-health-check", "all",
           "--include-path-regex", include]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    for name in exclude:
        cmd += ["--exclude-name", name]
    started = time.time()
    # Bounded whatever happens: the run's own budget, plus time to load and report.
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=SECONDS * 3 + 120,
                         env={**os.environ, "SCHEMATHESIS_WAIT_FOR_SCHEMA": "10"})
    took = time.time() - started
    print(f"---- schemathesis: {label} ({took:.0f} s, exit {out.returncode})")
    lines = out.stdout.strip().splitlines()
    # The failures in full (each long line cut), then the summary.
    print("\n".join(line[:600] for line in lines[-400:]))
    if out.returncode not in (0, 1):
        print(out.stderr[-3000:])
    return out.returncode, lines, took


def summary_line(lines):
    """Operations tested, test cases generated, and schemathesis' closing counts."""
    text = "\n".join(lines)
    tested = re.search(r"Tested: (\d+)", text)
    cases = re.search(r"(\d+) generated", text)
    closing = next((line.strip(" =") for line in reversed(lines)
                    if re.fullmatch(r"=+ .* in [\d.]+s =+", line.strip())), "no closing line")
    return (f"{tested.group(1) if tested else '?'} operations, {cases.group(1) if cases else '?'} test cases: "
            f"{closing}")


def main():
    settings = {"ARGON2_MEMORY_KIB": "1024", "ARGON2_ITERATIONS": "1", "AUTH_RATE_LIMIT": "100000/min",
                "ANNOUNCEMENTS_PER_DAY": "100000"}
    with platform(settings) as (api, inbox, env, _db), tempfile.TemporaryDirectory() as report_dir:
        ops = operator_token(api, env)
        host, admin, ids = seed(api, inbox, ops)
        step("a town seeded with a consultation of each kind, a proposal and a comment", True)
        conf = os.path.join(report_dir, "schemathesis.toml")
        with open(conf, "w") as f:
            f.write(config(ids))
        town_paths = r"^/(?!api/v1/(operator|signup|communes))"
        runs = [
            ("town host, admin token", host, admin, town_paths, [ERASE]),
            ("town host, no token", host, None, town_paths, []),
            ("platform host, operator token", DOMAIN, ops, PLATFORM_PATHS, []),
        ]
        results = []
        for label, h, token, include, exclude in runs:
            code, lines, took = run(label.replace(" ", "_").replace(",", ""), api.base, h, token, include, exclude,
                                    report_dir, conf)
            results.append((label, code, summary_line(lines), took))
        errors = [x for x in api.statuses if x[0] >= 500]
        print("\n== API fuzzing summary")
        for label, code, line, took in results:
            print(f"  {label:32} {took:5.0f} s  exit {code}  {line}")
        for label, code, line, _ in results:
            step(f"schemathesis, {label}: no failure", code == 0, line)
        step("zero 5xx in the seeding requests", not errors, errors[:5])


if __name__ == "__main__":
    main()
