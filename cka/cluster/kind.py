"""The kind runtime (Docker hosts, GitHub Actions): the same three-node shape from the pinned
kindest/node image, pinned by digest."""

from __future__ import annotations

import shutil
import subprocess

from .. import versions
from ..cache import bin_dir
from ..console import say
from ..paths import MANIFESTS
from ..tools import ensure
from . import NAME, ClusterError, kubeconfig, run

TOOLS = ["kind", "kubernetes"]
KIND_CONFIG = MANIFESTS / "cluster-architecture" / "kubeadm-install" / "kind-cluster.yaml"



def kind_image() -> str:
    kind = versions.get("kind")
    return f"{kind['node_image']}@{kind['node_digest']}"


def up() -> None:
    if shutil.which("docker") is None or subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        raise ClusterError("the kind runtime needs a running Docker engine; use CLUSTER_RUNTIME=binary (no Docker needed)")
    ensure(TOOLS, quiet=True)
    say(f"==> creating a kind cluster from {kind_image()} (about a minute)")
    run([str(bin_dir() / "kind"), "create", "cluster", "--name", NAME, "--image", kind_image(),
         "--config", str(KIND_CONFIG), "--kubeconfig", str(kubeconfig()), "--wait", "180s"], timeout=600)


def down() -> None:
    kind = bin_dir() / "kind"
    if kind.exists() and shutil.which("docker"):
        run([str(kind), "delete", "cluster", "--name", NAME, "--kubeconfig", str(kubeconfig())], check=False, timeout=180)
