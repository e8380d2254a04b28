#!/usr/bin/env python3
"""Benchmark the manifest stage of make validate on a synthetic corpus.

    python -m cka.bench validate [--count 5000] [--jobs N] [--keep DIR]

Generates COUNT manifests of mixed kinds (one or two documents each) in a temporary
tree with the repository's layout, plus pages that include them all, then times
`python -m cka.checks --root TREE` without its result cache (cold), again with a
fresh cache (first run fills it) and once more (warm: unchanged files). Also
times yamllint and kubeconform alone. The tools must be installed (make tools).
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .. import tools, versions
from ..cache import cache_dir, tool_path
from ..checks.base import Context
from ..checks.cache import ResultCache
from ..checks.core import Tree
from ..checks.kubeconform import kubeconform
from ..checks.yamllint import run as yamllint
from ..errors import ProjectError

TEMPLATES = {
    "deployment": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    app: {name}
spec:
  replicas: {n}
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
      containers:
        - name: app
          image: registry.k8s.io/pause:3.10
          ports:
            - containerPort: 8080
              name: http
          resources:
            requests:
              cpu: 50m
              memory: 32Mi
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop: ["ALL"]
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {name}
  ports:
    - port: 80
      targetPort: http
""",
    "configmap": """apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
  namespace: default
data:
  key: value-{n}
  other: "{n}"
""",
    "pod": """apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  containers:
    - name: app
      image: busybox:1.37
      command: ["sleep", "3600"]
      resources:
        requests:
          cpu: 10m
          memory: 16Mi
  tolerations:
    - key: node-role.kubernetes.io/control-plane
      operator: Exists
      effect: NoSchedule
""",
    "role": """apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {name}
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {name}
subjects:
  - kind: User
    name: jane
    apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: Role
  name: {name}
  apiGroup: rbac.authorization.k8s.io
""",
    "networkpolicy": """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {name}
spec:
  podSelector:
    matchLabels:
      app: db
  policyTypes: ["Ingress"]
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: api
      ports:
        - protocol: TCP
          port: 5432
""",
    "pvc": """apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {name}
spec:
  accessModes: ["ReadWriteOnce"]
  storageClassName: standard
  resources:
    requests:
      storage: {n}Mi
""",
    "cronjob": """apiVersion: batch/v1
kind: CronJob
metadata:
  name: {name}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: job
              image: busybox:1.37
              args: ["date"]
""",
    "ingress": """apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
spec:
  ingressClassName: nginx
  rules:
    - host: {name}.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {name}
                port:
                  number: 80
""",
}


def generate(root: Path, count: int) -> None:
    rng = random.Random(42)
    kinds = sorted(TEMPLATES)
    includes = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        rel = f"manifests/bench/page{i // 250:02d}/{kind}-{i:05d}.yaml"
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        header = f"# Synthetic {kind} number {i}.\n# Page: docs/bench/page\n"
        p.write_text(header + TEMPLATES[kind].format(name=f"{kind}-{i}", n=rng.randint(1, 5)))
        includes.append(rel)
    body = "# Bench\n\n--8<--\n" + "\n".join(includes) + "\n--8<--\n"
    (root / "docs" / "bench").mkdir(parents=True, exist_ok=True)
    for lang in ("ko", "en"):
        (root / "docs" / "bench" / f"page.{lang}.md").write_text(body)


def timed(label: str, fn) -> float:
    start = time.monotonic()
    result = fn()
    elapsed = time.monotonic() - start
    print(f"{label:<44} {elapsed:6.2f} s" + (f"   ({result})" if result is not None else ""), flush=True)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--keep", type=Path, help="generate into DIR and keep it")
    args = parser.parse_args()
    jobs = args.jobs or (__import__("os").cpu_count() or 2)
    try:
        tools.ensure(["kubeconform", "k8s-schemas", "configcheck"], quiet=True)
    except ProjectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    root = args.keep or Path(tempfile.mkdtemp(prefix="cka-bench-"))
    try:
        timed(f"generate {args.count} manifests", lambda: generate(root, args.count))
        tree = Tree(root)
        files = [tree.source(p) for p in tree.walk("manifests")]
        schema_dir = next(t.dir for t in tools.registry() if t.name == "k8s-schemas")
        minor = str(versions.get("kubernetes", "minor"))
        nocache = ResultCache(None)
        ctx = Context(tree=tree, jobs=jobs, cache=nocache)
        timed(f"yamllint alone ({jobs} processes)",
              lambda: f"{len(yamllint(files, ctx))} problems")
        timed(f"kubeconform alone (-n {jobs})",
              lambda: f"{len(kubeconform(files, tool_path('kubeconform'), schema_dir, set(), jobs, minor, nocache))} problems")
        cmd = [sys.executable, "-m", "cka.checks", "--root", str(root), "--no-install", "-j", str(jobs)]

        def full(*extra):
            proc = subprocess.run(cmd + list(extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
            if proc.returncode != 0:
                print(proc.stdout[-3000:])
            return last

        timed("validate, no result cache (cold)", lambda: full("--no-cache"))
        cache = cache_dir() / "validate-cache.json"
        saved = cache.read_bytes() if cache.exists() else None
        try:
            cache.unlink(missing_ok=True)
            timed("validate, empty result cache (fills it)", full)
            timed("validate, warm result cache (unchanged)", full)
        finally:
            if saved is not None:
                cache.write_bytes(saved)
            else:
                cache.unlink(missing_ok=True)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
