"""The nodes' network: a bridge inside a network namespace of its own (never the host's), one veth
per node plugged into it, and one veth from the host for kubectl. Every node gets a static address,
a default route to the bridge's address (which answers "unreachable" for what it cannot route) and
a route to each other node's Pod range. The host gains one interface with one address and the
connected route of the nodes' /24; its default route, DNS and iptables are not touched.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ...errors import ProjectError
from . import config, layout


def ip(*args: str, netns: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    cmd = ["ip", *(["-n", netns] if netns else []), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise ProjectError(f"`{' '.join(cmd)}` failed: {proc.stderr.strip()}")
    return proc


def in_node(pid: int, *args: str) -> None:
    from .node import own_network  # noqa: PLC0415 - avoids an import cycle

    if not own_network(pid):
        raise ProjectError(f"PID {pid} is not in a network namespace of its own")
    cmd = ["nsenter", "-t", str(pid), "-n", "ip", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ProjectError(f"`ip {' '.join(args)}` in a node failed: {proc.stderr.strip()}")


def netns_exists() -> bool:
    return Path(f"/run/netns/{layout.NETNS}").exists()


def create() -> None:
    """The namespace, its bridge with the gateway address, and the host's uplink veth."""
    ip("netns", "add", layout.NETNS)
    ip("link", "set", "lo", "up", netns=layout.NETNS)
    ip("link", "add", layout.BRIDGE, "type", "bridge", netns=layout.NETNS)
    ip("addr", "add", f"{layout.GATEWAY}/{layout.PREFIX}", "dev", layout.BRIDGE, netns=layout.NETNS)
    ip("link", "set", layout.BRIDGE, "up", netns=layout.NETNS)
    # Routes back to the Pods (the namespace forwards nothing): a Pod's query to the gateway, where
    # the nodes' resolv.conf points and no DNS server listens, is refused at once instead of timing out.
    for node in layout.NODES:
        ip("route", "add", layout.pod_cidr(node), "via", layout.node_ip(node), netns=layout.NETNS)
    # A Service address that kube-proxy has not translated yet (its rules come after the node starts)
    # reaches the gateway: it answers "unreachable" at once instead of letting the connection time
    # out, so CoreDNS and the API server's first calls fail fast and retry. (A route of that kind
    # in the nodes themselves would also refuse their own traffic to Services, which is routed
    # before kube-proxy's OUTPUT rules translate it.) Forwarding only answers here: the namespace
    # has no default route.
    ip("route", "add", "unreachable", layout.SERVICE_SUBNET, netns=layout.NETNS)
    subprocess.run(["ip", "netns", "exec", layout.NETNS, "sysctl", "-qw", "net.ipv4.ip_forward=1"], check=True,
                   capture_output=True)
    ip("link", "add", layout.HOST_VETH, "type", "veth", "peer", "name", layout.UPLINK, "netns", layout.NETNS)
    ip("link", "set", layout.UPLINK, "master", layout.BRIDGE, "up", netns=layout.NETNS)
    ip("addr", "add", f"{layout.HOST_IP}/{layout.PREFIX}", "dev", layout.HOST_VETH)
    ip("link", "set", layout.HOST_VETH, "up")


def attach(node: str, pid: int) -> None:
    """Plug a running node (its PID 1 is pid) into the bridge and give it its address and routes."""
    from .node import own_network  # noqa: PLC0415 - avoids an import cycle

    if not own_network(pid):  # never configure the host's own network by mistake
        raise ProjectError(f"{node}: PID {pid} is not in a network namespace of its own")
    veth = layout.host_veth(node)
    ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", str(pid), netns=layout.NETNS)
    ip("link", "set", veth, "master", layout.BRIDGE, "up", netns=layout.NETNS)
    in_node(pid, "link", "set", "lo", "up")
    in_node(pid, "addr", "add", f"{layout.node_ip(node)}/{layout.PREFIX}", "dev", "eth0")
    in_node(pid, "link", "set", "eth0", "up")
    in_node(pid, "route", "add", "default", "via", layout.GATEWAY)
    for destination, gateway in config.pod_routes(node):
        in_node(pid, "route", "add", destination, "via", gateway)


def remove() -> list[str]:
    """Delete the namespace (its bridge and the nodes' veth ends go with it) and the host's veth."""
    done = []
    if ip("link", "show", layout.HOST_VETH, check=False).returncode == 0:
        ip("link", "del", layout.HOST_VETH, check=False)
        done.append(f"interface {layout.HOST_VETH}")
    if netns_exists():
        ip("netns", "del", layout.NETNS, check=False)
        done.append(f"network namespace {layout.NETNS}")
    return done
