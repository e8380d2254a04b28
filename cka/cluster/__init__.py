"""The practice cluster: one interface, several runtimes (cka.cluster.binary, cka.cluster.kind,
cka.cluster.kubeadm).

Everything that talks to the cluster goes through here: where its state lives, the
environment for kubectl (the pinned tools first on PATH, the cluster's kubeconfig),
running kubectl, and whether the cluster answers. A runtime module has `TOOLS` (the
tools it needs), `up()` and `down()`. The runtime is CLUSTER_RUNTIME's (binary by default);
the kubeadm runtime keeps its state in a directory of its own, so it can run beside the others.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .. import versions
from ..cache import bin_dir, cache_dir
from ..errors import ProjectError

NAME = "cka"
RUNTIMES = ("binary", "kind", "kubeadm")
# The runtimes whose nodes are real machines (containers run, a kubelet, `ssh NODE`).
REAL_NODE_RUNTIMES = ("kind", "kubeadm")


class ClusterError(ProjectError):
    """A problem with the practice cluster that the user can fix."""


def selected_runtime() -> str:
    """CLUSTER_RUNTIME if set; else the kubeadm runtime when only its cluster is up; else binary."""
    chosen = os.environ.get("CLUSTER_RUNTIME")
    if chosen:
        return chosen
    if (state_dir_of("kubeadm") / "runtime").exists() and not (state_dir_of("binary") / "runtime").exists():
        return "kubeadm"
    return "binary"


def state_dir_of(runtime: str) -> Path:
    """The kubeadm runtime's state is its slot's (KUBEADM_SLOT, cka.cluster.nodes.layout)."""
    if runtime == "kubeadm":
        from .nodes import layout  # noqa: PLC0415 - names only, no side effects

        return layout.state_dir()
    return cache_dir() / "cluster"


def state_dir() -> Path:
    return state_dir_of(selected_runtime())


def kubeconfig() -> Path:
    return state_dir() / "kubeconfig"


def node_access_dir() -> Path:
    """Where `ssh` for the cluster's nodes lives (kind and kubeadm runtimes), first on the cluster's PATH."""
    return state_dir() / "bin"


# The node names of the practice cluster, and the kind runtime's containers for them.
KIND_CONTAINERS = {"controlplane": "cka-control-plane", "node01": "cka-worker", "node02": "cka-worker2"}

SSH_WRAPPER = """#!/bin/sh
# `ssh NODE [COMMAND]` for the practice cluster's nodes ({nodes}), as on the exam:
# `ssh node01` opens a root shell on node01, `ssh node01 'systemctl status kubelet'` runs one
# command there. Written by `make cluster-up` ({runtime} runtime); any other host goes to the real ssh.
host=${{1#*@}}
case "$host" in
  {pattern}) ;;
  *) for ssh in /usr/bin/ssh /bin/ssh; do [ -x "$ssh" ] && exec "$ssh" "$@"; done
     echo "ssh: $1 is not a node of the practice cluster ({nodes}) and there is no ssh client" >&2; exit 255 ;;
esac
shift
{exec_line}
"""


def write_node_access(runtime: str) -> Path | None:
    """Write the `ssh` wrapper for a runtime with real nodes (kind, kubeadm); None for the others."""
    if runtime == "kubeadm":
        from .. import slot  # noqa: PLC0415 - the wrapper reaches the nodes of its own cluster

        env = f"env CLUSTER_RUNTIME=kubeadm {slot.VARIABLE}={slot.number()}"
        exec_line = (f'if [ $# -eq 0 ]; then exec {env} {sys.executable} -m cka.cluster shell "$host"; fi\n'
                     f'exec {env} {sys.executable} -m cka.cluster shell "$host" -c "$*"')
    elif runtime == "kind":
        cases = " ".join(f"{node}) c={container} ;;" for node, container in KIND_CONTAINERS.items())
        exec_line = (f'case "$host" in {cases} esac\n'
                     'if [ $# -eq 0 ]; then exec docker exec -it "$c" bash -l; fi\n'
                     'if [ -t 0 ]; then exec docker exec -it "$c" bash -c "$*"; fi\n'
                     'exec docker exec -i "$c" bash -c "$*"')
    else:
        return None
    nodes = list(KIND_CONTAINERS)
    path = node_access_dir() / "ssh"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SSH_WRAPPER.format(nodes=", ".join(nodes), runtime=runtime, pattern="|".join(nodes),
                                       exec_line=exec_line))
    path.chmod(0o755)
    return path


def runtime_file() -> Path:
    return state_dir() / "runtime"


def kwok_workdir() -> Path:
    return state_dir() / "kwok"


def env() -> dict[str, str]:
    """The environment for kubectl, kwokctl and kind: pinned tools first on PATH."""
    tools = str(bin_dir())
    nodes = [str(node_access_dir())] if node_access_dir().is_dir() else []
    return dict(
        os.environ,
        PATH=os.pathsep.join([*nodes, tools, os.environ.get("PATH", "")]),
        KUBECONFIG=str(kubeconfig()),
        KWOK_WORKDIR=str(kwok_workdir()),
        KWOK_KUBE_VERSION=versions.kubernetes(),
        KWOK_KUBE_BINARY_PREFIX=tools,
        KWOK_KUBECTL_BINARY=str(bin_dir() / "kubectl"),
        KWOK_CONTROLLER_BINARY=str(bin_dir() / "kwok"),
        KWOK_ETCD_BINARY=str(bin_dir() / "etcd"),
        KWOK_METRICS_SERVER_BINARY=str(bin_dir() / "metrics-server"),
    )


def run(cmd: list[str], *, check: bool = True, capture: bool = False, timeout: float | None = None,
        input: str | None = None) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run(cmd, env=env(), text=True, capture_output=capture, timeout=timeout, input=input)
    except FileNotFoundError:
        raise ClusterError(f"`{cmd[0]}` is not installed; run `make tools`") from None
    except subprocess.TimeoutExpired:
        raise ClusterError(f"`{' '.join(cmd[:3])} …` did not finish within {timeout:.0f} s") from None
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout or "").strip() if capture else ""
        raise ClusterError(f"`{' '.join(cmd[:4])} …` failed (exit {result.returncode}){': ' + detail[-800:] if detail else ''}")
    return result


def kubectl(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return run([str(bin_dir() / "kubectl"), *args], **kwargs)


def current_runtime() -> str | None:
    return runtime_file().read_text().strip() if runtime_file().exists() else None


def reachable() -> bool:
    """Whether the cluster's API server answers ready; an address that hangs (nodes killed, the
    network left behind) is not reachable, not an error."""
    if not kubeconfig().exists():
        return False
    try:
        result = kubectl("get", "--raw", "/readyz", "--request-timeout=5s", check=False, capture=True, timeout=10)
    except ClusterError:
        return False
    return result.returncode == 0 and result.stdout.strip() == "ok"


def install_gateway_api_crds() -> None:
    """The Gateway API CRDs (standard channel), as an exam cluster has them: the module's own YAML."""
    from ..console import say
    from ..tools.go import module_dir

    gateway = versions.get("gateway_api")
    say(f"==> installing the Gateway API CRDs {gateway['version']} (standard channel)")
    crds = module_dir(gateway["module"], gateway["version"]) / gateway["crds"]
    kubectl("apply", "--server-side", "-f", str(crds), capture=True, timeout=120)


def runtime_module(name: str):
    """The module of a runtime: binary, kind or kubeadm."""
    if name == "binary":
        from . import binary
        return binary
    if name == "kind":
        from . import kind
        return kind
    if name == "kubeadm":
        from . import kubeadm
        return kubeadm
    raise ClusterError(f"unknown runtime `{name}`; use one of: {', '.join(RUNTIMES)}")
