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


# Where the cluster steps run. With root on Linux (TEST_RUNTIME=kubeadm, the default there): the lab,
# every grader and the mock exams run on the kubeadm runtime's real nodes; the binary runtime, which
# learners without root use, is smoke-tested beside it (its lab self-test, the tests of its simulated
# nodes and a few graders that take its own paths: etcd on the host, kwok's emulated metrics).
# Elsewhere (TEST_RUNTIME=binary) everything runs on the binary runtime.
RUNTIME = os.environ.get("TEST_RUNTIME") or ("kubeadm" if real_nodes_here() else "binary")
ON_BINARY = {"CLUSTER_RUNTIME": "binary"}
ON_KUBEADM = {"CLUSTER_RUNTIME": "kubeadm"}
BINARY_SMOKE = ["manifests/workloads-scheduling/autoscaling", "manifests/troubleshooting/resource-monitoring"]
BINARY_GRADERS = ["etcd-backup", "top-heaviest-cpu", "hpa-cpu", "rbac-user", "pv-pvc"]
# Tasks checked at a time on real nodes: on two cores, more start Pods and delete namespaces too slowly.
KUBEADM_PARALLEL = "3"

# (name, command, steps it needs to have passed, environment). "down" steps run whenever their
# "up" ran, so a failed lab never leaves a cluster behind.
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
    ("binary: up", [PY, "-m", "cka.cluster", "up"], ("tools",), ON_BINARY),
    # The lab's own apply step against the cluster (tests/cluster).
    ("binary: lab self-test", [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/cluster"],
     ("binary: up",), ON_BINARY),
]
# "practice: mock exams" below: each fixed mock exam (practice/mock-exams.yaml) and a random draw,
# untouched 0 %, solved 100 %.
if RUNTIME == "kubeadm":
    STEPS += [
        # The binary runtime's own tests (lab.nodes: simulated: kwok's emulated metrics) and paths.
        ("binary: lab (simulated nodes)", [PY, "-m", "cka.labs.manifests", *BINARY_SMOKE], ("binary: up",), ON_BINARY),
        ("binary: graders", [PY, "-m", "cka.practice", "check", *BINARY_GRADERS], ("binary: up",), ON_BINARY),
        ("binary: down", [PY, "-m", "cka.cluster", "down"], (), ON_BINARY),
        ("kubeadm: up", [PY, "-m", "cka.cluster", "up"], ("tools",), ON_KUBEADM),
        ("lab", [PY, "-m", "cka.labs.manifests"], ("kubeadm: up",), ON_KUBEADM),
        ("practice: graders", [PY, "-m", "cka.practice", "check", "--parallel", KUBEADM_PARALLEL],
         ("kubeadm: up",), ON_KUBEADM),
        ("practice: mock exams", [PY, "-m", "cka.practice", "mock-check"], ("kubeadm: up",), ON_KUBEADM),
        ("kubeadm: down", [PY, "-m", "cka.cluster", "down"], (), ON_KUBEADM),
        ("kubeadm: nothing left behind", [PY, "-m", "cka.cluster", "leftovers"], ("kubeadm: down",), ON_KUBEADM),
    ]
else:
    STEPS += [
        ("lab", [PY, "-m", "cka.labs.manifests"], ("binary: up",), ON_BINARY),
        ("practice: graders", [PY, "-m", "cka.practice", "check"], ("binary: up",), ON_BINARY),
        ("practice: mock exams", [PY, "-m", "cka.practice", "mock-check"], ("binary: up",), ON_BINARY),
        ("binary: down", [PY, "-m", "cka.cluster", "down"], (), ON_BINARY),
    ]
# The live HA lab builds its own control plane in network namespaces (root) and removes it itself.
STEPS.append(("lab: HA", [PY, "-m", "cka.labs.ha"], ("tools",), {}))
ALWAYS_AFTER = {"binary: down": "binary: up", "kubeadm: down": "kubeadm: up"}


def main() -> int:
    REPORTS.mkdir(parents=True, exist_ok=True)
    # Every diagram is drawn at build time (hooks/diagrams.py), never left to the reader's browser.
    env = dict(os.environ, SITE_DIR=str(ROOT / "site"), OFFLINE_SITE_DIR=str(ROOT / "site-offline"),
               DRAW_DIAGRAMS="required")
    results: dict[str, tuple[str, float]] = {}
    started = time.monotonic()
    print("==> the lab, the graders and the mock exams run on the kubeadm runtime's real nodes; the binary runtime "
          "is smoke-tested" if RUNTIME == "kubeadm" else
          "==> the lab, the graders and the mock exams run on the binary runtime (the kubeadm runtime needs root on "
          "Linux; TEST_RUNTIME=kubeadm|binary chooses)", flush=True)
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
