"""Where the kubeadm runtime keeps things, the node names and their addresses (no side effects).

Build results that survive `cluster-down` (the root filesystem, the image archives) live in
`<cache>/nodes/`; everything a running cluster owns lives in `<cache>/cluster-kubeadm/` and is
removed by `cluster-down`. Nothing here touches the host's own network: the nodes sit on a bridge
inside a network namespace of their own, and the host reaches them through one veth.
"""

from __future__ import annotations

from pathlib import Path

from ...cache import cache_dir

NODES = ("controlplane", "node01", "node02")
CONTROL_PLANE = NODES[0]

# The nodes' network: a /24 of private addresses on a bridge in the namespace NETNS.
NETNS = "cka-kubeadm"
BRIDGE = "br0"
SUBNET = "172.31.250"
PREFIX = 24
GATEWAY = f"{SUBNET}.1"  # the bridge's own address: the nodes' default route ends there
HOST_IP = f"{SUBNET}.254"  # the host's end of the uplink veth, for kubectl
HOST_VETH = "cka-kadm0"
UPLINK = "uplink"  # the uplink veth's end in NETNS, attached to the bridge

POD_SUBNET = "10.244.0.0/16"
SERVICE_SUBNET = "10.96.0.0/12"

# cgroups of the runtime: /sys/fs/cgroup/<hierarchy>/CGROUP/<node>
CGROUP = "cka-kubeadm"


def node_index(node: str) -> int:
    return NODES.index(node)


def node_ip(node: str) -> str:
    return f"{SUBNET}.{10 + node_index(node)}"


def pod_cidr(node: str) -> str:
    """The node's Pod range: the bridge CNI plugin's host-local IPAM hands out addresses from it."""
    return f"10.244.{node_index(node)}.0/24"


def host_veth(node: str) -> str:
    """The node's veth end on the bridge (at most 15 characters)."""
    return f"v-{node}"[:15]


def nodes_dir() -> Path:
    """Build results kept across cluster-down: the root filesystem and the image archives."""
    return cache_dir() / "nodes"


def state_dir() -> Path:
    return cache_dir() / "cluster-kubeadm"


def node_dir(node: str) -> Path:
    return state_dir() / "nodes" / node
