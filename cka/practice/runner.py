"""Running a task on the practice cluster: its environment, bash, setup and reset."""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess
import time

from .. import cluster
from .tasks import NEEDS_NODES, TASK_LABEL, WORK, PracticeError, Runtime, Task, k8s_version, workdir


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
    return (f"--endpoints=https://$(docker inspect -f '{{{{.NetworkSettings.Networks.kind.IPAddress}}}}' "
            f"cka-control-plane):2379 --cacert={pki}/ca.crt --cert={pki}/server.crt --key={pki}/server.key")


def task_env(task: Task, rt: Runtime) -> dict[str, str]:
    env = cluster.env()
    env.update(DIR=workdir(task, rt), NS=(task.namespaces or ["default"])[0], TASK=task.id, RUNTIME=rt.name,
               CONTEXT=rt.context, ETCDCTL_FLAGS=rt.etcd, K8S_VERSION=k8s_version())
    return env


def bash(script: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=env, text=True, capture_output=True,
                              timeout=timeout, cwd=env["DIR"])
    except subprocess.TimeoutExpired as err:
        return subprocess.CompletedProcess(err.cmd, 124, err.stdout or "", f"timed out after {timeout:.0f} s")


def kubectl(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return cluster.kubectl(*args, check=False, capture=True, timeout=timeout)


def reset(task: Task, rt: Runtime) -> None:
    """Remove what the task's setup and the learner created; returns without waiting for namespaces."""
    env = task_env(task, rt)
    pathlib.Path(env["DIR"]).mkdir(parents=True, exist_ok=True)
    if task.data.get("reset"):
        bash(task.data["reset"], env)
    objects = task.data.get("cluster_objects") or []
    if objects:
        kubectl("delete", "--ignore-not-found", "--wait=false", *objects)
    if task.namespaces:
        kubectl("delete", "namespace", "--ignore-not-found", "--wait=false", *task.namespaces)
    shutil.rmtree(env["DIR"], ignore_errors=True)


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


def setup(task: Task, rt: Runtime) -> None:
    if not task.runs_on(rt.name):
        raise PracticeError(f"{task.id} {NEEDS_NODES}")
    reset(task, rt)
    wait_gone(task)
    env = task_env(task, rt)
    pathlib.Path(env["DIR"]).mkdir(parents=True, exist_ok=True)
    if "--cacert" in rt.etcd and "{etcd}" in json.dumps(task.data):
        copy_kind_etcd_certs()
    for ns in task.namespaces:
        result = kubectl("create", "namespace", ns)
        if result.returncode != 0:
            raise PracticeError(f"{task.id}: cannot create namespace {ns}: {result.stderr.strip()}")
        kubectl("label", "namespace", ns, f"{TASK_LABEL}={task.id}")
    result = bash(task.setup, env)
    if result.returncode != 0:
        raise PracticeError(f"{task.id}: the setup failed (exit {result.returncode}): "
                            f"{(result.stderr or result.stdout).strip()[-600:]}")


def copy_kind_etcd_certs() -> None:
    pki = WORK / "etcd-pki"
    pki.mkdir(parents=True, exist_ok=True)
    for name in ("ca.crt", "server.crt", "server.key"):
        subprocess.run(["docker", "cp", f"cka-control-plane:/etc/kubernetes/pki/etcd/{name}", str(pki / name)],
                       check=False, capture_output=True)


