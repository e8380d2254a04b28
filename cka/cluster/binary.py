"""The binary runtime (the default; no Docker): a real etcd, kube-apiserver (RBAC and admission
on), kube-controller-manager and kube-scheduler at the pinned version, started by kwokctl from
the binaries cka.tools builds; kwok simulates the nodes controlplane, node01 and node02, moves
their Pods to Running and serves their resource metrics (from the Pods' kwok.x-k8s.io/usage-*
annotations) to a real metrics-server, so that `kubectl top` answers."""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from .. import versions
from ..cache import bin_dir
from ..console import say
from ..tools import ensure
from ..tools.go import module_dir
from . import NAME, ClusterError, kubeconfig, kubectl, kwok_workdir, run, state_dir

TOOLS = ["kubernetes", "etcd", "kwok", "metrics-server"]
NODES_FILE = Path(__file__).with_name("nodes.yaml")




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
    if kwokctl.exists() and (kwok_workdir() / "clusters" / NAME).exists():
        run([str(kwokctl), "delete", "cluster", "--name", NAME, "--kubeconfig", str(kubeconfig())],
            check=False, capture=True, timeout=120)
