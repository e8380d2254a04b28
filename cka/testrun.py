"""Run everything CI runs, in order, with timings: `make test`.

Each step is a command of its own; the summary at the end lists every step with
its time and result. A failed step does not hide the others: the later steps that
do not depend on it still run, and the exit status is non-zero.

On the kubeadm runtime two lanes run beside its lab, whose tests that break a node or the
control plane mostly wait for them to recover: the steps that need no kubeadm cluster (the
browser tests, the binary runtime's smoke tests, the HA lab), and a second kubeadm cluster
(KUBEADM_SLOT=2) for the practice tasks that need a cluster to themselves (the upgrade from one
minor behind, a node's kubelet configuration, a drain) and then the mock exams. Their output goes to
build/reports/steps/<step>.log, and a failure prints the log's end.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import threading
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
ON_SECOND_KUBEADM = {"CLUSTER_RUNTIME": "kubeadm", "KUBEADM_SLOT": "2"}
BINARY_SMOKE = ["manifests/workloads-scheduling/autoscaling", "manifests/troubleshooting/resource-monitoring"]
BINARY_GRADERS = ["etcd-backup", "top-heaviest-cpu", "hpa-cpu", "rbac-user", "pv-pvc"]
# Tasks checked at a time on real nodes: on two cores, more start Pods and delete namespaces too slowly.
KUBEADM_PARALLEL = "3"

# (name, command, steps it needs to have passed, environment). "down" steps run whenever their
# "up" ran, so a failed lab never leaves a cluster behind.
Step = tuple[str, list[str], tuple[str, ...], dict]
# (name, command, steps it needs to have passed, environment). "down" steps run whenever their
# "up" ran, so a failed lab never leaves a cluster behind.
STEPS: list[Step] = [
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
]
# The built sites in real Chromium (tests/browser).
BROWSER: Step = ("browser", [PY, "-m", "cka.site.browser", "test"],
                 ("browser: setup", "site: online build", "site: offline build"), {})
BINARY_UP: list[Step] = [
    ("binary: up", [PY, "-m", "cka.cluster", "up"], ("tools",), ON_BINARY),
    # The lab's own apply step against the cluster (tests/cluster).
    ("binary: lab self-test", [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/cluster"],
     ("binary: up",), ON_BINARY),
]
# Its components' logs are kept for a failure's evidence (kwokctl deletes them with the cluster).
BINARY_DOWN: Step = ("binary: down",
                     [PY, "-m", "cka.cluster", "down", "--keep-logs", str(REPORTS / "binary-cluster-logs")], (), ON_BINARY)
# The live HA lab builds its own control plane in network namespaces (root) and removes it itself.
HA_LAB: Step = ("lab: HA", [PY, "-m", "cka.labs.ha"], ("tools",), {})
# "practice: mock exams": each fixed mock exam (practice/mock-exams.yaml) and a random draw,
# untouched 0 %, solved 100 %.
# BESIDE: steps that run in a lane of their own, started as the main lane reaches BESIDE_FROM; the
# main lane waits for them before BESIDE_UNTIL (the graders share the practice work folders).
# SECOND_CLUSTER: a lane started at the same time on a second kubeadm cluster, with a work folder
# of its own; the run waits for it at the end.
BESIDE: list[Step] = []
SECOND_CLUSTER: list[Step] = []
BESIDE_FROM, BESIDE_UNTIL = "lab", "practice: graders"
if RUNTIME == "kubeadm":
    BESIDE = [
        BROWSER,
        *BINARY_UP,
        # The binary runtime's own tests (lab.nodes: simulated: kwok's emulated metrics) and paths.
        ("binary: lab (simulated nodes)", [PY, "-m", "cka.labs.manifests", *BINARY_SMOKE], ("binary: up",), ON_BINARY),
        ("binary: graders", [PY, "-m", "cka.practice", "check", *BINARY_GRADERS], ("binary: up",), ON_BINARY),
        BINARY_DOWN,
        HA_LAB,
    ]
    # The tasks that need the cluster to themselves (`alone: true`), then the mock exams, on a second
    # cluster beside the lab.
    SECOND_CLUSTER = [
        ("kubeadm 2: up", [PY, "-m", "cka.cluster", "up"], ("kubeadm: up",), ON_SECOND_KUBEADM),
        ("practice: graders alone (kubeadm 2)", [PY, "-m", "cka.practice", "check", "--alone", "only"],
         ("kubeadm 2: up",), ON_SECOND_KUBEADM),
        # The mock exams use no `alone` task; here they wait on neither the lab nor the graders.
        ("practice: mock exams (kubeadm 2)", [PY, "-m", "cka.practice", "mock-check"], ("kubeadm 2: up",),
         ON_SECOND_KUBEADM),
        ("kubeadm 2: down", [PY, "-m", "cka.cluster", "down"], (), ON_SECOND_KUBEADM),
        ("kubeadm 2: nothing left behind", [PY, "-m", "cka.cluster", "leftovers"], ("kubeadm 2: down",),
         ON_SECOND_KUBEADM),
    ]
    STEPS += [
        ("kubeadm: up", [PY, "-m", "cka.cluster", "up"], ("tools",), ON_KUBEADM),
        ("lab", [PY, "-m", "cka.labs.manifests"], ("kubeadm: up",), ON_KUBEADM),
        ("practice: graders", [PY, "-m", "cka.practice", "check", "--parallel", KUBEADM_PARALLEL, "--alone", "skip"],
         ("kubeadm: up",), ON_KUBEADM),
        ("kubeadm: down", [PY, "-m", "cka.cluster", "down"], (), ON_KUBEADM),
        ("kubeadm: nothing left behind", [PY, "-m", "cka.cluster", "leftovers"], ("kubeadm: down",), ON_KUBEADM),
    ]
else:
    STEPS += [
        BROWSER,
        *BINARY_UP,
        ("lab", [PY, "-m", "cka.labs.manifests"], ("binary: up",), ON_BINARY),
        ("practice: graders", [PY, "-m", "cka.practice", "check"], ("binary: up",), ON_BINARY),
        ("practice: mock exams", [PY, "-m", "cka.practice", "mock-check"], ("binary: up",), ON_BINARY),
        BINARY_DOWN,
        HA_LAB,
    ]
ALWAYS_AFTER = {"binary: down": "binary: up", "kubeadm: down": "kubeadm: up", "kubeadm 2: down": "kubeadm 2: up"}
STEP_LOGS = REPORTS / "steps"
LOG_TAIL = 40


def log_path(name: str) -> pathlib.Path:
    return STEP_LOGS / (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".log")


def run_steps(steps: list[Step], results: dict[str, tuple[str, float]], env: dict, *, beside: bool = False,
              lanes: tuple[tuple[threading.Thread, str | None], ...] = ()) -> None:
    """Run steps in order into results. Beside the main lane, each step's output goes to its log
    file; the main lane starts the `lanes` at BESIDE_FROM, and waits for each before the step it names."""
    for name, command, needs, step_env in steps:
        for lane, _ in lanes:
            if name == BESIDE_FROM:
                lane.start()
        for lane, until in lanes:
            if name == until and lane.is_alive():
                print(f"\n==> [{name}] waits for the steps beside the {BESIDE_FROM}", flush=True)
                lane.join()
        blocked = [n for n in needs if results.get(n, ("",))[0] != "passed"]
        if name in ALWAYS_AFTER and results.get(ALWAYS_AFTER[name], ("skipped",))[0].startswith("skipped"):
            results[name] = ("skipped: nothing to stop", 0.0)
            continue
        if blocked:
            results[name] = ("skipped: needs " + ", ".join(blocked), 0.0)
            continue
        shown = " ".join("python" if c == PY else c for c in command)
        t0 = time.monotonic()
        if beside:
            log = log_path(name)
            print(f"\n==> [{name}] {shown} (beside the {BESIDE_FROM}; output in {os.path.relpath(log, ROOT)})", flush=True)
            with log.open("w", encoding="utf-8") as out:
                code = subprocess.call(command, cwd=ROOT, env={**env, **step_env}, stdout=out, stderr=subprocess.STDOUT)
            print(f"\n==> [{name}] {'passed' if code == 0 else f'FAILED (exit {code})'} in {time.monotonic() - t0:.1f} s "
                  f"(beside the {BESIDE_FROM})", flush=True)
            if code != 0:
                lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
                print("\n".join(f"    [{name}] {line}" for line in lines[-LOG_TAIL:]), flush=True)
        else:
            print(f"\n==> [{name}] {shown}", flush=True)
            code = subprocess.call(command, cwd=ROOT, env={**env, **step_env})
        seconds = time.monotonic() - t0
        if name == "pytest" and code == 5:
            print("error: pytest collected no tests; a test run that tests nothing fails", file=sys.stderr)
        results[name] = ("passed" if code == 0 else f"FAILED (exit {code})", seconds)


def main() -> int:
    REPORTS.mkdir(parents=True, exist_ok=True)
    STEP_LOGS.mkdir(parents=True, exist_ok=True)
    # Every diagram is drawn at build time (hooks/diagrams.py), never left to the reader's browser.
    env = dict(os.environ, SITE_DIR=str(ROOT / "site"), OFFLINE_SITE_DIR=str(ROOT / "site-offline"),
               DRAW_DIAGRAMS="required")
    results: dict[str, tuple[str, float]] = {}
    started = time.monotonic()
    print("==> the lab, the graders and the mock exams run on the kubeadm runtime's real nodes; the binary runtime "
          "is smoke-tested beside its lab" if RUNTIME == "kubeadm" else
          "==> the lab, the graders and the mock exams run on the binary runtime (the kubeadm runtime needs root on "
          "Linux; TEST_RUNTIME=kubeadm|binary chooses)", flush=True)
    lanes = tuple((threading.Thread(target=run_steps, args=(steps, results, env), kwargs={"beside": True}), until)
                  for steps, until in ((BESIDE, BESIDE_UNTIL), (SECOND_CLUSTER, None)) if steps)
    run_steps(STEPS, results, env, lanes=lanes)
    for lane, _ in lanes:
        if lane.ident is None:  # the main lane never reached BESIDE_FROM
            lane.start()
        lane.join()
    print("\n==> summary")
    order = [s[0] for s in STEPS + BESIDE + SECOND_CLUSTER]
    for name in order:
        status, seconds = results[name]
        where = f" (beside the {BESIDE_FROM})" if any(name == s[0] for s in BESIDE + SECOND_CLUSTER) else ""
        print(f"  {name:<30} {seconds:7.1f} s  {status}{where}")
    failed = [n for n in order if results[n][0] != "passed"]
    print(f"  {'total':<30} {time.monotonic() - started:7.1f} s")
    if failed:
        print(f"make test: {len(failed)} step(s) did not pass: {', '.join(failed)}", file=sys.stderr)
        return 1
    print("make test: all steps passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
