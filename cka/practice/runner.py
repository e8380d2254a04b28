"""Running a task on the practice cluster: its environment, bash, setup and reset."""

from __future__ import annotations

import collections
import contextlib
import json
import pathlib
import re
import shutil
import subprocess
import threading
import time

from .. import cluster
from ..console import say
from .tasks import TASK_LABEL, WORK, PracticeError, Runtime, Task, version_values, workdir


class Clock:
    """Seconds spent per phase (reset, cluster start, wait for deletion, setup, answer, settle, grade) of one
    task's check."""

    def __init__(self) -> None:
        self.spent: collections.Counter[str] = collections.Counter()

    @contextlib.contextmanager
    def __call__(self, phase: str):
        started = time.monotonic()
        try:
            yield
        finally:
            self.spent[phase] += time.monotonic() - started


def detect_runtime() -> Runtime:
    name = cluster.current_runtime()
    if not name or not cluster.reachable():
        raise PracticeError("no practice cluster answers: start one with `make cluster-up`")
    context = cluster.kubectl("config", "current-context", capture=True).stdout.strip()
    return Runtime(name, context, etcd_flags(name))


def etcd_flags(runtime: str) -> str:
    if runtime == "binary":
        config = cluster.kwok_workdir() / "clusters" / cluster.NAME / "kwok.yaml"
        text = config.read_text(encoding="utf-8") if config.exists() else ""
        match = re.search(r"--etcd-servers=(\S+)", text)
        return f"--endpoints={match.group(1)}" if match else ""
    pki = WORK / "etcd-pki"
    certs = f"--cacert={pki}/ca.crt --cert={pki}/server.crt --key={pki}/server.key"
    if runtime == "kubeadm":
        from ..cluster.nodes import layout  # noqa: PLC0415 - only this runtime's address

        return f"--endpoints=https://{layout.node_ip(layout.CONTROL_PLANE)}:2379 {certs}"
    return (f"--endpoints=https://$(docker inspect -f '{{{{.NetworkSettings.Networks.kind.IPAddress}}}}' "
            f"cka-control-plane):2379 {certs}")


def task_env(task: Task, rt: Runtime) -> dict[str, str]:
    env = cluster.env()
    env.update(DIR=workdir(task, rt), NS=(task.namespaces or ["default"])[0], TASK=task.id, RUNTIME=rt.name,
               CONTEXT=rt.context, ETCDCTL_FLAGS=rt.etcd)
    env.update({variable: value for _, variable, value in version_values()})
    return env


def bash(script: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=env, text=True, capture_output=True,
                              timeout=timeout, cwd=env["DIR"])
    except subprocess.TimeoutExpired as err:
        return subprocess.CompletedProcess(err.cmd, 124, err.stdout or "", f"timed out after {timeout:.0f} s")


def kubectl(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return cluster.kubectl(*args, check=False, capture=True, timeout=timeout)


def running_release(rt: Runtime) -> str:
    """current, or previous while the kubeadm cluster runs one minor behind (a `cluster: previous` task)."""
    if rt.name != "kubeadm":
        return "current"
    from ..cluster import kubeadm  # noqa: PLC0415 - only this runtime's state

    return kubeadm.running_release() or "current"


def require_task_cluster(task: Task, rt: Runtime) -> None:
    """A task that starts its own cluster is graded only there: the usual cluster already runs the
    release an upgrade task asks for, and would pass an upgrade nobody made."""
    wanted = task.data.get("cluster")
    if wanted and running_release(rt) != wanted:
        raise PracticeError(f"{task.id} is graded on the cluster its setup starts (CLUSTER_VERSION={wanted}), not on "
                            f"the usual one that runs now: run `make practice TASK={task.id}` first")


# Tasks are set up in parallel (make practice-check): one of them brings the usual cluster back.
CLUSTER_SWAP = threading.Lock()


def start_cluster(release: str) -> None:
    """Replace the kubeadm cluster with a new one at release (current or previous)."""
    from ..cluster.__main__ import rebuild  # noqa: PLC0415 - cluster-up's own steps, used by few tasks
    from ..cluster.nodes import layout  # noqa: PLC0415 - the kubeadm runtime's slot

    started = time.monotonic()
    say(f"==> a new kubeadm cluster at CLUSTER_VERSION={release} (make cluster-down; make cluster-up "
        f"{layout.MAKE_VARS} CLUSTER_VERSION={release}), about 75 s")
    try:
        rebuild(release)
    except cluster.ClusterError as err:
        raise PracticeError(f"the kubeadm cluster at CLUSTER_VERSION={release} did not start: {err}") from None
    say(f"    the cluster is ready ({time.monotonic() - started:.0f} s)")


TERMINATING = 'jsonpath={range .items[?(@.metadata.deletionTimestamp)]}{.metadata.name}{"\\n"}{end}'


def reset(task: Task, rt: Runtime, *, usual_cluster: bool = True) -> None:
    """Remove what the task's setup and the learner created; returns without waiting for namespaces.
    With usual_cluster, a cluster that a `cluster: previous` task started one minor behind is replaced
    by the usual one first."""
    if usual_cluster and running_release(rt) != "current":
        with CLUSTER_SWAP:
            if running_release(rt) != "current":
                start_cluster("current")
    env = task_env(task, rt)
    pathlib.Path(env["DIR"]).mkdir(parents=True, exist_ok=True)
    if task.data.get("reset"):
        bash(task.data["reset"], env)
    objects = task.data.get("cluster_objects") or []
    if objects:
        kubectl("delete", "--ignore-not-found", "--wait=false", *objects)
    # The namespaces first: a terminating namespace takes no new Pods, so no controller replaces
    # the Pods deleted next, with a one-second grace period (on real nodes a shell as PID 1 ignores
    # SIGTERM and would hold the namespace for the default 30 s). A Pod that was already terminating
    # (an old ReplicaSet's after a rollout) keeps its 30 s whatever a later delete asks, so it is
    # removed at once (--force); its containers stop on the node as usual. The others are not: the
    # next setup creates Pods of the same names, which must not meet their predecessors' containers.
    if task.namespaces:
        kubectl("delete", "namespace", "--ignore-not-found", "--wait=false", *task.namespaces)
    for namespace in task.namespaces:
        terminating = kubectl("get", "pods", "-n", namespace, "-o", TERMINATING).stdout.split()
        kubectl("delete", "pods", "--all", "-n", namespace, "--grace-period=1", "--wait=false", "--ignore-not-found")
        if terminating:
            kubectl("delete", "pods", "-n", namespace, "--force", "--grace-period=0", "--wait=false",
                    "--ignore-not-found", *terminating)
    shutil.rmtree(env["DIR"], ignore_errors=True)


# A Pod whose containers are still being created: real nodes take seconds where kwok takes none.
STARTING = {"ContainerCreating", "PodInitializing"}
POD_STATE = ('{range .items[*]}{.metadata.namespace}{"|"}{.status.phase}{"|"}{.spec.nodeName}{"|"}'
             '{.status.containerStatuses[*].state.waiting.reason}{" "}'
             '{.status.initContainerStatuses[*].state.waiting.reason}{"|"}{.status.containerStatuses}{"\n"}{end}')


def settle(task: Task, rt: Runtime, timeout: float = 90) -> None:
    """On real nodes, wait (up to timeout) until no Pod of the task's namespaces is still starting,
    as a learner grades once their Pods are up. Pods that cannot start (unschedulable, a bad image)
    do not hold it."""
    if rt.name == "binary" or not task.namespaces:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = kubectl("get", "pods", "-A", "-o", f"jsonpath={POD_STATE}").stdout
        starting = False
        for line in out.splitlines():
            namespace, phase, node, reasons, statuses = (line.split("|") + [""] * 5)[:5]
            if namespace not in task.namespaces or phase != "Pending" or not node:
                continue
            if STARTING & set(reasons.split()) or not statuses:
                starting = True
        if not starting:
            return
        time.sleep(1)


def wait_gone(task: Task, timeout: float = 180) -> None:
    names = [f"namespace/{n}" for n in task.namespaces] + list(task.data.get("cluster_objects") or [])
    if not names:
        return
    deadline = time.monotonic() + timeout
    while True:
        left = kubectl("get", "--ignore-not-found", "-o", "name", *names).stdout.split()
        if not left:
            return
        if time.monotonic() > deadline:
            raise PracticeError(f"{task.id}: {', '.join(left)} still exist {timeout:.0f} s after the reset")
        time.sleep(0.3)


def setup(task: Task, rt: Runtime, clock: Clock | None = None) -> None:
    clock = clock or Clock()
    if not task.runs_on(rt.name):
        raise PracticeError(f"{task.id} {task.needs}")
    if task.data.get("cluster"):
        with clock("reset"):
            reset(task, rt, usual_cluster=False)
        with clock("cluster start"):
            start_cluster(task.data["cluster"])
    else:
        with clock("reset"):
            reset(task, rt)
        with clock("wait for deletion"):
            wait_gone(task)
    env = task_env(task, rt)
    pathlib.Path(env["DIR"]).mkdir(parents=True, exist_ok=True)
    if "--cacert" in rt.etcd and "{etcd}" in json.dumps(task.data):
        copy_etcd_certs(rt.name)
    for ns in task.namespaces:
        result = kubectl("create", "namespace", ns)
        if result.returncode != 0:
            raise PracticeError(f"{task.id}: cannot create namespace {ns}: {result.stderr.strip()}")
        kubectl("label", "namespace", ns, f"{TASK_LABEL}={task.id}")
    # Real nodes start containers and report metrics in seconds to minutes, more under load.
    with clock("setup"):
        result = bash(task.setup, env, timeout=120 if rt.name == "binary" else 300)
    if result.returncode != 0:
        raise PracticeError(f"{task.id}: the setup failed (exit {result.returncode}): "
                            f"{(result.stderr or result.stdout).strip()[-600:]}")


def copy_etcd_certs(runtime: str) -> None:
    """The control plane node's etcd CA and server certificate, for etcdctl on this machine."""
    pki = WORK / "etcd-pki"
    pki.mkdir(parents=True, exist_ok=True)
    for name in ("ca.crt", "server.crt", "server.key"):
        if runtime == "kubeadm":
            from ..cluster import kubeadm  # noqa: PLC0415 - only this runtime's files

            shutil.copyfile(kubeadm.node_path(kubeadm.layout.CONTROL_PLANE, f"etc/kubernetes/pki/etcd/{name}"), pki / name)
            (pki / name).chmod(0o600)
        else:
            subprocess.run(["docker", "cp", f"cka-control-plane:/etc/kubernetes/pki/etcd/{name}", str(pki / name)],
                           check=False, capture_output=True)


