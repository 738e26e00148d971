#!/usr/bin/env python3
"""The web pages in a real browser: the `participation` binary on PostgreSQL +
Redis with a real SMTP server, driven by headless Chromium (Debian's) through
Playwright, with an axe-core scan of every page.

    python3 tests/e2e/browser.py [path/to/participation]

This script starts the platform and a small HTTP mailbox over the captured
mails, creates the operator with the CLI, then runs tests/browser/journey.mjs,
which drives the browser. Screenshots go to target/browser-artefacts.
"""
import json
import os
import re
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import BIN, DOMAIN, free_port, platform, step

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def newest_link(inbox, to, page, timeout=15):
    """The newest link to `page` in mail to `to`, waiting for it a while."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for rcpts, msg in reversed(list(inbox.messages)):
            if to in rcpts:
                text = msg.get_body(preferencelist=("plain",)).get_content()
                found = re.search(r"https?://\S+?" + re.escape(page) + r"\S*", text)
                if found:
                    return found.group(0)
        time.sleep(0.05)
    return None


def mailbox(inbox):
    """Serves the captured mails to the browser journey: the newest link to a
    page in mail to an address, and the subjects an address received."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            q = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/link":
                body = {"url": newest_link(inbox, q["to"], q["page"])}
            elif url.path == "/mails":
                body = {"subjects": [m["Subject"] for rcpts, m in list(inbox.messages) if q.get("to") in rcpts]}
            else:
                self.send_error(404)
                return
            raw, status = json.dumps(body).encode(), 200
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(raw)

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    settings = {"ARGON2_MEMORY_KIB": "1024", "ARGON2_ITERATIONS": "1", "AUTH_RATE_LIMIT": "1000/min"}
    with platform(settings) as (api, inbox, env, _db):
        out = subprocess.run([BIN, "operator", "create", "--email", "ops@example.fr"], env=env,
                             check=True, capture_output=True, text=True).stdout.strip()
        operator_token = out.split("token=", 1)[1].split()[0]
        box = mailbox(inbox)
        port = env["LISTEN_ADDR"].rsplit(":", 1)[1]
        artefacts = os.path.join(ROOT, "target", "browser-artefacts")
        os.makedirs(artefacts, exist_ok=True)
        run = subprocess.run(
            ["node", os.path.join(ROOT, "tests", "browser", "journey.mjs")],
            env={
                **os.environ,
                "BASE_DOMAIN": DOMAIN,
                "BASE_PORT": port,
                "MAILBOX": f"http://127.0.0.1:{box.server_address[1]}",
                "OPERATOR_EMAIL": "ops@example.fr",
                "OPERATOR_TOKEN": operator_token,
                "ARTEFACTS": artefacts,
            },
        )
        box.shutdown()
        step("the browser journey passes, with zero axe-core violations", run.returncode == 0,
             f"node exited with {run.returncode}")
        fives = [s for s in api.statuses if s[0] >= 500]
        step("no answer was a 5xx", not fives, fives)


if __name__ == "__main__":
    main()
