"""Run everything CI runs, in order, with timings: `make test`.

Each step is a command of its own; the summary at the end lists every step with
its time and result. A failed step does not hide the others: the later steps that
do not depend on it still run, and the exit status is non-zero.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from .paths import REPORTS, ROOT

PY = sys.executable


def real_nodes_here() -> bool:
    """The kubeadm runtime needs root on Linux (systemd-nspawn machines, network namespaces)."""
    return sys.platform.startswith("linux") and os.geteuid() == 0


# The runtime of the lab, the graders and the mock exams: real nodes (kubeadm) where the machine
# allows it, else the simulated nodes of the binary runtime. TEST_RUNTIME=binary|kubeadm overrides.
RUNTIME = os.environ.get("TEST_RUNTIME") or ("kubeadm" if real_nodes_here() else "binary")
ON_BINARY = {"CLUSTER_RUNTIME": "binary"}
ON_MAIN = {"CLUSTER_RUNTIME": RUNTIME}
# The binary runtime's smoke test beside a kubeadm run: its own tests (lab.nodes: simulated) and
# the folders whose tests exercise its metrics-server and kwok's node lifecycle.
BINARY_SMOKE = ["manifests/workloads-scheduling/autoscaling", "manifests/troubleshooting/resource-monitoring",
                "manifests/cluster-architecture/node-maintenance"]

# (name, command, steps it needs to have passed, environment). "cluster: down" steps run whenever
# their "cluster: up" ran, so a failed lab never leaves a cluster behind.
STEPS: list[tuple[str, list[str], tuple[str, ...], dict]] = [
    ("tools", [PY, "-m", "cka.tools", "install"], (), {}),
    ("validate", [PY, "-m", "cka.checks"], ("tools",), {}),
    # Chromium draws the diagrams at build time and runs the browser tests; installed once.
    ("browser: setup", [PY, "-m", "cka.site.browser", "setup"], (), {}),
    ("site: online build", [PY, "-m", "cka.site", "build"], (), {}),
    ("site: offline build", [PY, "-m", "cka.site", "offline"], (), {}),
    (
        "pytest",
        [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={REPORTS / 'pytest.xml'}",
         "--ignore=tests/browser", "--ignore=tests/cluster", "tests"],
        ("tools", "site: online build", "site: offline build"),
        {},
    ),
    # The built sites in real Chromium (tests/browser).
    ("browser", [PY, "-m", "cka.site.browser", "test"], ("browser: setup", "site: online build", "site: offline build"),
     {}),
]
if RUNTIME == "kubeadm":
    STEPS += [
        ("binary: up", [PY, "-m", "cka.cluster", "up"], ("tools",), ON_BINARY),
        # The lab's own apply step against the cluster (tests/cluster), then the smoke folders.
        ("binary: lab self-test", [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/cluster"],
         ("binary: up",), ON_BINARY),
        ("binary: lab smoke", [PY, "-m", "cka.labs.manifests", *BINARY_SMOKE], ("binary: up",), ON_BINARY),
        ("binary: down", [PY, "-m", "cka.cluster", "down"], (), ON_BINARY),
    ]
STEPS += [
    (f"{RUNTIME}: up", [PY, "-m", "cka.cluster", "up"], ("tools",), ON_MAIN),
    *([] if RUNTIME == "kubeadm" else [
        ("binary: lab self-test", [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/cluster"],
         ("binary: up",), ON_MAIN)]),
    ("lab", [PY, "-m", "cka.labs.manifests"], (f"{RUNTIME}: up",), ON_MAIN),
    ("practice: graders", [PY, "-m", "cka.practice", "check"], (f"{RUNTIME}: up",), ON_MAIN),
    # Each fixed mock exam (practice/mock-exams.yaml): solved it scores 100 %, untouched 0 %.
    ("practice: mock exams", [PY, "-m", "cka.practice", "mock-check"], (f"{RUNTIME}: up",), ON_MAIN),
    (f"{RUNTIME}: down", [PY, "-m", "cka.cluster", "down"], (), ON_MAIN),
    *([("kubeadm: nothing left behind", [PY, "-m", "cka.cluster", "leftovers"], ("kubeadm: down",), ON_MAIN)]
      if RUNTIME == "kubeadm" else []),
    # The live HA lab builds its own control plane in network namespaces (root) and removes it itself.
    ("lab: HA", [PY, "-m", "cka.labs.ha"], ("tools",), {}),
]
ALWAYS_AFTER = {"binary: down": "binary: up", f"{RUNTIME}: down": f"{RUNTIME}: up"}


def main() -> int:
    REPORTS.mkdir(parents=True, exist_ok=True)
    # Every diagram is drawn at build time (hooks/diagrams.py), never left to the reader's browser.
    env = dict(os.environ, SITE_DIR=str(ROOT / "site"), OFFLINE_SITE_DIR=str(ROOT / "site-offline"),
               DRAW_DIAGRAMS="required")
    results: dict[str, tuple[str, float]] = {}
    started = time.monotonic()
    print(f"==> the lab, the graders and the mock exams run on the {RUNTIME} runtime"
          + ("" if RUNTIME == "kubeadm" else " (the kubeadm runtime needs root on Linux; TEST_RUNTIME overrides)"),
          flush=True)
    for name, command, needs, step_env in STEPS:
        blocked = [n for n in needs if results.get(n, ("",))[0] != "passed"]
        if name in ALWAYS_AFTER and results.get(ALWAYS_AFTER[name], ("skipped",))[0].startswith("skipped"):
            results[name] = ("skipped: nothing to stop", 0.0)
            continue
        if blocked:
            results[name] = ("skipped: needs " + ", ".join(blocked), 0.0)
            continue
        print(f"\n==> [{name}] {' '.join('python' if c == PY else c for c in command)}", flush=True)
        t0 = time.monotonic()
        code = subprocess.call(command, cwd=ROOT, env={**env, **step_env})
        if name == "pytest" and code == 5:
            print("error: pytest collected no tests; a test run that tests nothing fails", file=sys.stderr)
        results[name] = ("passed" if code == 0 else f"FAILED (exit {code})", time.monotonic() - t0)
    print("\n==> summary")
    for name, (status, seconds) in results.items():
        print(f"  {name:<30} {seconds:7.1f} s  {status}")
    failed = [n for n, (s, _) in results.items() if s != "passed"]
    print(f"  {'total':<30} {time.monotonic() - started:7.1f} s")
    if failed:
        print(f"make test: {len(failed)} step(s) did not pass: {', '.join(failed)}", file=sys.stderr)
        return 1
    print("make test: all steps passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
