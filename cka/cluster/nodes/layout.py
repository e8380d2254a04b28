"""Where the kubeadm runtime keeps things, the node names and their addresses (no side effects).

Build results that survive `cluster-down` (the root filesystem, the image archives) live in
`<cache>/nodes/`; everything a running cluster owns lives in `<cache>/cluster-kubeadm/` and is
removed by `cluster-down`. Nothing here touches the host's own network: the nodes sit on a bridge
inside a network namespace of their own, and the host reaches them through one veth.

A second cluster (KUBEADM_SLOT=2, cka.slot) gets names and addresses of its own: the state
directory cluster-kubeadm-2/, the namespace cka-kubeadm-2 on 172.31.251.0/24, the host veth
cka-kadm1, the cgroups cka-kubeadm-2/ and the machine names controlplane-2, node01-2, node02-2.
The nodes' host names, the Pod and Service ranges are the same in both: each cluster has its own
network namespace.
"""

from __future__ import annotations

from pathlib import Path

from ... import slot
from ...cache import cache_dir

SLOT = slot.number()
SUFFIX = slot.suffix()  # "" in the usual slot, "-2" in the second
# What a `make` command for this cluster adds, for messages: make cluster-up MAKE_VARS.
SLOT_VARS = f" {slot.VARIABLE}={SLOT}" if SLOT != 1 else ""
MAKE_VARS = "CLUSTER_RUNTIME=kubeadm" + SLOT_VARS

NODES = ("controlplane", "node01", "node02")
CONTROL_PLANE = NODES[0]

# The nodes' network: a /24 of private addresses on a bridge in the namespace NETNS.
NETNS = f"cka-kubeadm{SUFFIX}"
BRIDGE = "br0"
SUBNET = f"172.31.{249 + SLOT}"
PREFIX = 24
GATEWAY = f"{SUBNET}.1"  # the bridge's own address: the nodes' default route ends there
HOST_IP = f"{SUBNET}.254"  # the host's end of the uplink veth, for kubectl
HOST_VETH = f"cka-kadm{SLOT - 1}"
UPLINK = "uplink"  # the uplink veth's end in NETNS, attached to the bridge

POD_SUBNET = "10.244.0.0/16"
SERVICE_SUBNET = "10.96.0.0/12"

# cgroups of the runtime: /sys/fs/cgroup/<hierarchy>/CGROUP/<node>
CGROUP = f"cka-kubeadm{SUFFIX}"


def node_index(node: str) -> int:
    return NODES.index(node)


def node_ip(node: str) -> str:
    return f"{SUBNET}.{10 + node_index(node)}"


def pod_cidr(node: str) -> str:
    """The node's Pod range: the bridge CNI plugin's host-local IPAM hands out addresses from it."""
    return f"10.244.{node_index(node)}.0/24"


def machine(node: str) -> str:
    """The node's systemd-nspawn machine name (its host name is the node's name in every slot)."""
    return node + SUFFIX


def host_veth(node: str) -> str:
    """The node's veth end on the bridge (at most 15 characters)."""
    return f"v-{node}"[:15]


def nodes_dir() -> Path:
    """Build results kept across cluster-down: the root filesystem and the image archives."""
    return cache_dir() / "nodes"


def state_dir() -> Path:
    return cache_dir() / f"cluster-kubeadm{SUFFIX}"


def node_dir(node: str) -> Path:
    return state_dir() / "nodes" / node
