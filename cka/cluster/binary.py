"""The binary runtime (the default; no Docker): a real etcd, kube-apiserver (RBAC and admission
on), kube-controller-manager and kube-scheduler at the pinned version, started by kwokctl from
the binaries cka.tools builds; kwok simulates the nodes controlplane, node01 and node02, moves
their Pods to Running and serves their resource metrics (from the Pods' kwok.x-k8s.io/usage-*
annotations) to a real metrics-server, so that `kubectl top` answers."""

from __future__ import annotations

import json
import shutil
import socket
import time
from pathlib import Path

import yaml

from .. import versions
from ..cache import bin_dir
from ..console import say, warn
from ..tools import ensure
from ..tools.go import module_dir
from . import NAME, ClusterError, kubeconfig, kubectl, kwok_workdir, run, state_dir

TOOLS = ["kubernetes", "etcd", "kwok", "metrics-server"]
NODES_FILE = Path(__file__).with_name("nodes.yaml")
METRICS_API = "v1beta1.metrics.k8s.io"
METRICS_GROUP = "metrics.k8s.io/v1beta1"
# The aggregator marks metrics-server's APIService Available within a few seconds of its start.
METRICS_API_WAIT = 60


def kwokctl_config() -> Path:
    """Extra flags for the control plane, to match a kubeadm cluster where it matters to the pages:
    kube-controller-manager signs CSRs with the cluster CA, and Services get addresses
    from kubeadm's default range 10.96.0.0/12 (Pods get theirs from the nodes' podCIDRs)."""
    pki = kwok_workdir() / "clusters" / NAME / "pki"
    metrics = versions.get("go_tools", "metrics-server")
    config = {
        "apiVersion": "config.kwok.x-k8s.io/v1alpha1",
        "kind": "KwokctlConfiguration",
        # kwokctl applies metrics-server's own APIService, RBAC and Service (its kustomize base, from
        # the Go module cache) and points them at the metrics-server process it starts.
        "options": {"metricsServerManifests": [
            str(module_dir(metrics["module"], metrics["version"]) / "manifests" / "base")]},
        "componentsPatches": [
            {
                "name": "kube-apiserver",
                "extraArgs": [{"key": "service-cluster-ip-range", "value": "10.96.0.0/12"}],
            },
            {
                # kwok serves every node's kubelet endpoint on this host: reach it by the nodes'
                # InternalDNS address, localhost (their InternalIPs are only for show).
                "name": "metrics-server",
                "extraArgs": [{"key": "kubelet-preferred-address-types", "value": "InternalDNS", "override": True}],
            },
            {
                "name": "kube-controller-manager",
                "extraArgs": [
                    {"key": "cluster-signing-cert-file", "value": str(pki / "ca.crt")},
                    {"key": "cluster-signing-key-file", "value": str(pki / "ca.key")},
                ],
            }
        ],
    }
    path = state_dir() / "kwokctl.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def up() -> None:
    ensure(TOOLS, quiet=True)
    start()
    problem = metrics_api_problem()
    if problem:
        # Seen once under the heaviest load of `make test`: every other component answered and
        # metrics-server's APIService never became Available. Start afresh once, with the cause shown.
        warn(f"the metrics API ({METRICS_API}) is not available after {METRICS_API_WAIT} s: {problem}; "
             "deleting the cluster and starting it once more. The end of metrics-server's log:\n"
             + log_tail("metrics-server"))
        down()
        start()
        problem = metrics_api_problem()
        if problem:
            raise ClusterError(f"the metrics API ({METRICS_API}) is not available after {METRICS_API_WAIT} s, "
                               f"twice: {problem}. The end of metrics-server's log:\n" + log_tail("metrics-server"))


def start() -> None:
    k8s = versions.kubernetes()
    say(f"==> starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler {k8s}, kwok and metrics-server "
        "(binary runtime)")
    run([
        str(bin_dir() / "kwokctl"), "create", "cluster", "--name", NAME, "--runtime", "binary",
        "--config", str(kwokctl_config()), "--kubeconfig", str(kubeconfig()),
        "--kube-authorization", "--kube-admission", "--enable-metrics-server", "--wait", "120s",
    ], capture=True, timeout=300)
    say("==> adding the nodes controlplane, node01 and node02")
    nodes = NODES_FILE.read_text(encoding="utf-8").replace("{version}", k8s)
    kubectl("apply", "-f", "-", input=nodes, capture=True, timeout=60)
    kubectl("wait", "--for=condition=Ready", "node", "--all", "--timeout=90s", capture=True, timeout=120)
    wait_for_default_service_account()


def kwok_cluster_dir() -> Path:
    return kwok_workdir() / "clusters" / NAME


def metrics_api_problem(wait: float = METRICS_API_WAIT) -> str | None:
    """None once metrics-server's APIService is Available; otherwise, after `wait` seconds, what is
    wrong: the aggregator's message, whether the process still runs, and its port's listener."""
    deadline = time.monotonic() + wait
    message = "the APIService does not exist"
    while True:
        result = kubectl("get", "apiservice", METRICS_API, "-o", "json", check=False, capture=True, timeout=30)
        if result.returncode == 0:
            conditions = json.loads(result.stdout).get("status", {}).get("conditions", [])
            available = next((c for c in conditions if c.get("type") == "Available"), {})
            message = available.get("message") or "no Available condition yet"
            if available.get("status") == "True":
                # The condition can be up to half a minute old: ask metrics-server itself, through the aggregator.
                answer = kubectl("get", "--raw", f"/apis/{METRICS_GROUP}", check=False, capture=True, timeout=30)
                if answer.returncode == 0:
                    return None
                message = f"the APIService is marked Available but does not answer: {answer.stderr.strip()[-300:]}"
        if time.monotonic() >= deadline:
            break
        time.sleep(2)
    return f"{message}; {metrics_server_process()}"


def log_tail(component: str, lines: int = 10) -> str:
    """The last lines of a component's log that kwokctl keeps (until the cluster is deleted)."""
    try:
        text = (kwok_cluster_dir() / "logs" / f"{component}.log").read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        return f"    (no log: {err.strerror})"
    return "\n".join(f"    {line[:300]}" for line in text.splitlines()[-lines:])


def metrics_server_process() -> str:
    """Whether the metrics-server process kwokctl recorded runs, and whether its port answers."""
    pidfile = kwok_cluster_dir() / "pids" / "metrics-server.pid"
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return f"no metrics-server process recorded in {pidfile}"
    state = "runs" if Path(f"/proc/{pid}").exists() else "is not running"
    port = metrics_server_port()
    if port is None:
        return f"metrics-server (pid {pid}) {state}"
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        answer = "accepts connections"
    except OSError as err:
        answer = f"does not accept connections ({err.strerror or err})"
    return f"metrics-server (pid {pid}) {state}; 127.0.0.1:{port} {answer}"


def metrics_server_port() -> int | None:
    """The port kwokctl chose for metrics-server (it picks free ports from 32767 down)."""
    try:
        documents = yaml.safe_load_all((kwok_cluster_dir() / "kwok.yaml").read_text(encoding="utf-8"))
        component = next(c for d in documents if isinstance(d, dict) for c in d.get("components") or []
                         if c.get("name") == "metrics-server")
        return int(component["ports"][0]["port"])
    except (OSError, yaml.YAMLError, KeyError, IndexError, StopIteration, TypeError, ValueError):
        return None


def wait_for_default_service_account() -> None:
    """Pods cannot be created in a namespace until its `default` ServiceAccount exists."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if kubectl("get", "serviceaccount", "default", "-n", "default", check=False, capture=True).returncode == 0:
            return
        time.sleep(1)
    raise ClusterError("the controller manager did not create the default ServiceAccount within 60 s")


def down() -> None:
    kwokctl = bin_dir() / "kwokctl"
    if kwokctl.exists() and kwok_cluster_dir().exists():
        run([str(kwokctl), "delete", "cluster", "--name", NAME, "--kubeconfig", str(kubeconfig())],
            check=False, capture=True, timeout=120)


def keep_component_logs(dest: Path) -> None:
    """Copy the log of each component kwokctl started (etcd, kube-apiserver, …, metrics-server) to dest."""
    logs = kwok_cluster_dir() / "logs"
    if not logs.is_dir():
        say(f"==> no component logs to keep: {logs} does not exist")
        return
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(logs, dest)
    say(f"==> the components' logs are kept in {dest}")
