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


# Where the cluster steps run. With root on Linux (TEST_RUNTIME=kubeadm, the default there): the
# lab runs on the kubeadm runtime's real nodes, with the graders of the real-node tasks
# (runtime: nodes); every grader and the mock exams run on the binary runtime, whose simulated
# nodes take seconds where real ones take minutes on two cores (`make practice-check
# CLUSTER_RUNTIME=kubeadm` runs all of them on real nodes). Elsewhere
# (TEST_RUNTIME=binary) everything runs on the binary runtime.
RUNTIME = os.environ.get("TEST_RUNTIME") or ("kubeadm" if real_nodes_here() else "binary")
ON_BINARY = {"CLUSTER_RUNTIME": "binary"}
ON_KUBEADM = {"CLUSTER_RUNTIME": "kubeadm"}
BINARY_SMOKE = ["manifests/workloads-scheduling/autoscaling", "manifests/troubleshooting/resource-monitoring"]


def real_node_tasks() -> list[str]:
    """The tasks marked `runtime: nodes` in practice/ (their graders run on the kubeadm runtime)."""
    from .practice.tasks import load_tasks  # noqa: PLC0415 - only the step list needs the tasks

    return [task.id for task in load_tasks() if task.runtime == "nodes"]


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
    # Beside a kubeadm lab, the binary runtime's own tests (lab.nodes: simulated: kwok's emulated metrics).
    ("lab", [PY, "-m", "cka.labs.manifests"], ("binary: up",), ON_BINARY) if RUNTIME != "kubeadm" else
    ("binary: lab (simulated nodes)", [PY, "-m", "cka.labs.manifests", *BINARY_SMOKE], ("binary: up",), ON_BINARY),
    ("practice: graders", [PY, "-m", "cka.practice", "check"], ("binary: up",), ON_BINARY),
    # Each fixed mock exam (practice/mock-exams.yaml) and a random draw: solved 100 %, untouched 0 %.
    ("practice: mock exams", [PY, "-m", "cka.practice", "mock-check"], ("binary: up",), ON_BINARY),
    ("binary: down", [PY, "-m", "cka.cluster", "down"], (), ON_BINARY),
]
if RUNTIME == "kubeadm":
    STEPS += [
        ("kubeadm: up", [PY, "-m", "cka.cluster", "up"], ("tools",), ON_KUBEADM),
        ("lab", [PY, "-m", "cka.labs.manifests"], ("kubeadm: up",), ON_KUBEADM),
        # One at a time: kubelet-config takes node01 down for a while.
        ("practice: graders on real nodes", [PY, "-m", "cka.practice", "check", "--parallel", "1", *real_node_tasks()],
         ("kubeadm: up",), ON_KUBEADM),
        ("kubeadm: down", [PY, "-m", "cka.cluster", "down"], (), ON_KUBEADM),
        ("kubeadm: nothing left behind", [PY, "-m", "cka.cluster", "leftovers"], ("kubeadm: down",), ON_KUBEADM),
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
    print("==> the lab runs on the kubeadm runtime's real nodes, the graders and mock exams on the binary runtime"
          if RUNTIME == "kubeadm" else
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
