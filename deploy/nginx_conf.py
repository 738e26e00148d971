#!/usr/bin/env python3
"""Writes the nginx configuration that puts the services behind one port with
the Ingress' own path table (helm/participation/files/routes.yaml): the
longest matching prefix wins, a prefix matching whole path segments.

    python3 deploy/nginx_conf.py local RUN_DIR PORT PLATFORM_HOST auth=PORT consultation=PORT notifications=PORT
    python3 deploy/nginx_conf.py compose > deploy/nginx-compose.conf
"""
import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def routes():
    with open(os.path.join(ROOT, "helm", "participation", "files", "routes.yaml")) as f:
        return yaml.safe_load(f)


def locations(table):
    out = []
    for route in table:
        prefix, svc = route["prefix"], route["service"]
        if prefix == "/":
            out.append(f"        location / {{ proxy_pass http://{svc}; }}")
        else:
            # The path itself, and anything under it: whole segments, as an Ingress' Prefix.
            out.append(f"        location = {prefix} {{ proxy_pass http://{svc}; }}")
            out.append(f"        location ^~ {prefix}/ {{ proxy_pass http://{svc}; }}")
    return "\n".join(out)


def render(listen, platform_host, backends, state_dir):
    """The configuration: `backends` maps each service to host:port; nginx keeps
    its pid, logs and buffers under `state_dir`."""
    table = routes()
    upstreams = "\n".join(f"    upstream {svc} {{ server {addr}; keepalive 16; }}" for svc, addr in sorted(backends.items()))
    return f"""# Written by deploy/nginx_conf.py from helm/participation/files/routes.yaml.
worker_processes 1;
pid {state_dir}/nginx.pid;
error_log {state_dir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {state_dir}/nginx-access.log;
    client_body_temp_path {state_dir}/nginx-body;
    proxy_temp_path {state_dir}/nginx-proxy;
    fastcgi_temp_path {state_dir}/nginx-fastcgi;
    uwsgi_temp_path {state_dir}/nginx-uwsgi;
    scgi_temp_path {state_dir}/nginx-scgi;
    # The services refuse bodies over 256 KiB themselves; larger ones stop here.
    client_max_body_size 512k;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    # The services find the town from the Host header, port included.
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
{upstreams}

    # The platform host: signup and the operator console.
    server {{
        listen {listen};
        server_name {platform_host.split(":")[0]};
{locations(table["platform"])}
    }}

    # Every other host: a town, by its slug or its own domain.
    server {{
        listen {listen} default_server;
        server_name _;
        location = /healthz {{ access_log off; return 200 "ok\\n"; }}
{locations(table["town"])}
    }}
}}
"""


def main():
    mode = sys.argv[1]
    if mode == "local":
        run_dir, port, platform_host = sys.argv[2], sys.argv[3], sys.argv[4]
        backends = {svc: f"127.0.0.1:{p}" for svc, p in (a.split("=", 1) for a in sys.argv[5:])}
        with open(os.path.join(run_dir, "nginx.conf"), "w") as f:
            f.write(render(f"127.0.0.1:{port}", platform_host, backends, run_dir))
    elif mode == "compose":
        backends = {svc: f"{svc}:8080" for svc in ("auth", "consultation", "notifications")}
        sys.stdout.write(render("8080", "localhost", backends, "/tmp"))
    else:
        sys.exit("usage: nginx_conf.py local RUN_DIR PORT HOST svc=PORT... | compose")


if __name__ == "__main__":
    main()
