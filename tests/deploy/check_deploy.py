#!/usr/bin/env python3
"""The deployment files, checked without Docker or a cluster:
- the Helm chart, rendered by Helm's own template engine (the PyPI package
  helm-python-sdk embeds Helm's SDK) with the default, PVD and trial values,
  linted, every manifest validated against the Kubernetes schemas
  (kubernetes-validate --strict), and what the platform needs asserted on
  the output; every route of the services' code is checked to reach its own
  service through the Ingress' path table;
- deploy/compose.yaml, against the Compose specification (dclint, from
  tests/deploy/package.json) and for what the platform needs;
- deploy/Dockerfile and .dockerignore, for what the image must be.

    (cd tests/deploy && npm ci) && python3 tests/deploy/check_deploy.py

Exits non-zero on the first surprise; prints one line per check.
"""
import os
import re
import subprocess
import sys
import tempfile

import helm_python
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHART = os.path.join(ROOT, "helm", "participation")
SERVICES = ["auth", "consultation", "notifications"]
checks = 0


def check(name, ok, detail=""):
    global checks
    checks += 1
    print(f"{'ok ' if ok else 'FAIL'} {name}" + (f" — {detail}" if detail and not ok else ""), flush=True)
    if not ok:
        sys.exit(1)


def values_file(name):
    with open(os.path.join(CHART, name)) as f:
        return yaml.safe_load(f)


def merged(base, over):
    out = dict(base)
    for k, v in over.items():
        out[k] = merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def render(values, label):
    """The manifests of a release rendered with `values`, by kind and name."""
    with helm_python.Chart.load(CHART) as chart:
        files = chart.render(values, name="participation", namespace="participation", is_install=True)
    docs = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, (name, text) in enumerate(sorted(files.items())):
            if not name.endswith(".yaml") or not text.strip():
                continue
            for j, doc in enumerate(d for d in yaml.safe_load_all(text) if d):
                docs.append(doc)
                path = os.path.join(tmp, f"{i:02}-{j:02}-{doc['kind']}.yaml")
                with open(path, "w") as f:
                    yaml.safe_dump(doc, f)
                # Custom resources have no schema in Kubernetes' own: checked by shape below.
                if doc["apiVersion"].startswith("monitoring.coreos.com/"):
                    continue
                paths.append(path)
        run = subprocess.run(["kubernetes-validate", "--strict", "--quiet", *paths], capture_output=True, text=True)
        check(f"{label}: {len(paths)} manifests valid against the Kubernetes schemas (--strict)",
              run.returncode == 0, run.stdout + run.stderr)
    return docs


def by_kind(docs, kind):
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def containers(workload):
    return workload["spec"]["template"]["spec"]["containers"]


def assert_release(docs, label, pvd):
    deployments = by_kind(docs, "Deployment")
    for svc in SERVICES + ["worker"]:
        check(f"{label}: a Deployment for {svc}", f"participation-{svc}" in deployments)
    services = by_kind(docs, "Service")
    for svc in SERVICES:
        check(f"{label}: a Service for {svc}", f"participation-{svc}" in services)
    for name, d in deployments.items():
        c = containers(d)[0]
        pod = d["spec"]["template"]["spec"]
        check(f"{label}: {name} probes /readyz and /healthz",
              c["readinessProbe"]["httpGet"]["path"] == "/readyz" and c["livenessProbe"]["httpGet"]["path"] == "/healthz")
        sc = c["securityContext"]
        check(f"{label}: {name} runs non-root, read-only, without privilege escalation or capabilities",
              pod["securityContext"]["runAsNonRoot"] and sc["readOnlyRootFilesystem"]
              and sc["allowPrivilegeEscalation"] is False and sc["capabilities"]["drop"] == ["ALL"])
        check(f"{label}: {name} has resource requests and limits",
              {"requests", "limits"} <= set(c["resources"]))
        env = {e["name"]: e for e in c.get("env", [])}
        refs = {k: env.get(k, {}).get("valueFrom", {}).get("secretKeyRef", {}) for k in
                ["DATABASE_URL", "REDIS_URL", "SMTP_URL", "SIGNING_KEY"]}
        check(f"{label}: {name} takes DATABASE_URL, REDIS_URL, SMTP_URL and SIGNING_KEY from the named Secret",
              all(r.get("name") == "participation-secrets" and r.get("key") == k for k, r in refs.items()), refs)
        mounts = {m["mountPath"] for m in c["volumeMounts"]}
        check(f"{label}: {name} mounts the JWT keys", "/etc/participation/jwt" in mounts)
        check(f"{label}: {name} never gets the schema owner's URL", "MIGRATION_DATABASE_URL" not in env)
    jobs = by_kind(docs, "Job")
    migrate = jobs.get("participation-migrate")
    check(f"{label}: migrations run as a Job", migrate is not None)
    hooks = migrate["metadata"]["annotations"]["helm.sh/hook"]
    check(f"{label}: the migration Job is a pre-install and pre-upgrade hook", hooks == "pre-install,pre-upgrade", hooks)
    check(f"{label}: the Job runs `participation migrate`",
          containers(migrate)[0]["command"] == ["/usr/local/bin/participation"] and containers(migrate)[0]["args"] == ["migrate"])
    job_env = {e["name"]: e for e in containers(migrate)[0].get("env", [])}
    owner = job_env.get("MIGRATION_DATABASE_URL", {}).get("valueFrom", {}).get("secretKeyRef", {})
    if pvd:
        check(f"{label}: the Job migrates as the schema owner, from the named Secret",
              owner == {"name": "participation-secrets", "key": "MIGRATION_DATABASE_URL"}, owner)
    else:
        check(f"{label}: without an owner's URL the Job migrates as DATABASE_URL", not owner, owner)
    ingress = by_kind(docs, "Ingress")["participation"]
    hosts = [r["host"] for r in ingress["spec"]["rules"]]
    domain = "participation.petitesvillesdedemain.example.fr" if pvd else "participation.example.fr"
    check(f"{label}: the Ingress serves the platform host and the wildcard town host",
          hosts[:2] == [domain, f"*.{domain}"], hosts)
    check(f"{label}: TLS by cert-manager", "cert-manager.io/cluster-issuer" in ingress["metadata"]["annotations"]
          and ingress["spec"]["tls"][0]["hosts"] == [domain, f"*.{domain}"])
    hpas = by_kind(docs, "HorizontalPodAutoscaler")
    for svc in SERVICES:
        check(f"{label}: an autoscaler for {svc}", f"participation-{svc}" in hpas)
    pdbs = by_kind(docs, "PodDisruptionBudget")
    check(f"{label}: a disruption budget per service and the worker",
          all(f"participation-{s}" in pdbs for s in SERVICES + ["worker"]))
    policies = by_kind(docs, "NetworkPolicy")
    http = policies["participation-services"]["spec"]["ingress"]
    check(f"{label}: only the ingress controller reaches HTTP, only monitoring reaches metrics",
          http[0]["ports"][0]["port"] == "http" and http[1]["ports"][0]["port"] == "metrics"
          and all("namespaceSelector" in f for rule in http for f in rule["from"]))
    monitors = by_kind(docs, "ServiceMonitor")
    check(f"{label}: a ServiceMonitor exactly when enabled", bool(monitors) == pvd)


def routes_of_code():
    """Every path each service registers, from its sources."""
    found = {}
    for svc in SERVICES:
        paths = set()
        for folder, _, files in os.walk(os.path.join(ROOT, "services", svc, "src")):
            for name in files:
                if name.endswith(".rs"):
                    with open(os.path.join(folder, name)) as f:
                        paths |= set(re.findall(r'\.route\(\s*"([^"]+)"', f.read()))
        found[svc] = paths
    return found


def owner(table, path):
    """The service the longest matching prefix (whole segments) names."""
    best = None
    for r in table:
        p = r["prefix"]
        if path == p or p == "/" or path.startswith(p.rstrip("/") + "/"):
            if best is None or len(p) > len(best["prefix"]):
                best = r
    return best["service"]


def check_routing():
    with open(os.path.join(CHART, "files", "routes.yaml")) as f:
        table = yaml.safe_load(f)
    code = routes_of_code()
    platform_only = {"/operator", "/operator/audit", "/signup", "/signup/verify"}
    wrong = []
    for svc, paths in code.items():
        for path in sorted(paths):
            if path.startswith("/_dev/"):
                continue  # the embedded mode's mail viewer, never deployed
            if path == "/" or path in platform_only or path.startswith("/operator/") or path.startswith("/api/v1/operator"):
                host_table = table["platform"] if svc == "auth" else table["town"]
            else:
                host_table = table["town"]
            got = owner(host_table, path)
            if got != svc:
                wrong.append(f"{path} -> {got} (owned by {svc})")
    check(f"every one of {sum(len(p) for p in code.values())} routes of the code reaches its own service", not wrong,
          "; ".join(wrong))


def check_compose():
    path = os.path.join(ROOT, "deploy", "compose.yaml")
    lint = subprocess.run(["npx", "--no-install", "dclint", path, "-q", "--color", "false"],
                          cwd=os.path.dirname(os.path.abspath(__file__)), capture_output=True, text=True)
    check("compose.yaml follows the Compose specification (dclint)", lint.returncode == 0, lint.stdout + lint.stderr)
    with open(path) as f:
        compose = yaml.safe_load(f)
    services = compose["services"]
    check("compose runs PostgreSQL, Redis, an SMTP catcher, the migrations, each service, the worker and a proxy",
          {"postgres", "redis", "mailpit", "migrate", "auth", "consultation", "notifications", "worker", "proxy"}
          <= set(services))
    for name in ["auth", "consultation", "notifications", "worker"]:
        svc = services[name]
        check(f"compose: {name} starts after the migrations, and has a health check",
              svc["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
              and svc["healthcheck"]["test"][-1] == "health")
        check(f"compose: {name} runs read-only, non-root, without capabilities",
              svc["read_only"] and svc["user"].startswith("65532") and svc["cap_drop"] == ["ALL"])
    check("compose: the migrations wait for a healthy PostgreSQL",
          services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
          and services["migrate"]["command"] == ["migrate"])
    check("compose: two workers share the queue", services["worker"]["deploy"]["replicas"] == 2)
    fresh = subprocess.run([sys.executable, os.path.join(ROOT, "deploy", "nginx_conf.py"), "compose"],
                           capture_output=True, text=True, check=True).stdout
    with open(os.path.join(ROOT, "deploy", "nginx-compose.conf")) as f:
        check("compose: the proxy's nginx-compose.conf is the one the path table gives", f.read() == fresh)


def check_image():
    with open(os.path.join(ROOT, "deploy", "Dockerfile")) as f:
        lines = [line.strip() for line in f if line.strip() and not line.strip().startswith("#")]
    froms = [line for line in lines if line.startswith("FROM ")]
    check("Dockerfile: a build stage and a distroless run stage",
          len(froms) == 2 and "rust:" in froms[0] and "distroless" in froms[1])
    user = [line for line in lines if line.startswith("USER ")]
    check("Dockerfile: runs as a non-root user", user and user[-1].split()[1].split(":")[0] not in ("0", "root"))
    text = "\n".join(lines)
    check("Dockerfile: one image holds every binary", all(
        f"target/release/{b}" in text for b in ["participation", "participation-auth", "participation-consultation",
                                                 "participation-notifications", "participation-worker"]))
    check("Dockerfile: downloads nothing but crates and base images",
          not re.search(r"\b(curl|wget)\b|^ADD\s+https?:", text, re.M))
    with open(os.path.join(ROOT, ".dockerignore")) as f:
        ignored = f.read().split()
    check(".dockerignore keeps target/ and data/ out", "target/" in ignored and "/data/" in ignored)


def main():
    defaults = values_file("values.yaml")
    pvd = merged(defaults, values_file("values-pvd.yaml"))
    for label, values in [("default values", {}), ("PVD values", values_file("values-pvd.yaml"))]:
        report = helm_python.lint(CHART, values, strict=True)
        # Severity 2 is a warning, 3 an error; 1 (information) is not a finding.
        problems = [m for m in report["messages"] if m["severity"] >= 2] + report["errors"]
        check(f"{label}: helm lint --strict is clean", not problems, str(problems))
    assert_release(render({}, "default values"), "default values", pvd=False)
    assert_release(render(values_file("values-pvd.yaml"), "PVD values"), "PVD values", pvd=True)
    trial = render(values_file("values-trial.yaml"), "trial values")
    kinds = {(d["kind"], d["metadata"]["name"]) for d in trial}
    check("trial: bundled PostgreSQL and Redis", ("StatefulSet", "participation-postgresql") in kinds
          and ("Deployment", "participation-redis") in kinds)
    job = by_kind(trial, "Job")["participation-migrate"]
    check("trial: the first migration runs once the bundled database exists",
          job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,pre-upgrade")
    check("the PVD values document their reasoning", pvd["platform"]["extraEnv"]["DATABASE_POOL_SIZE"] == "10")
    check_routing()
    check_compose()
    check_image()
    print(f"{checks} checks passed")


if __name__ == "__main__":
    main()
