"""What every part of the HA lab shares: its files, its topology (read from the page's haproxy.cfg
and kubeadm configuration), the pinned versions, and the measurements of its logs."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import pathlib
import re
from dataclasses import dataclass

from ... import versions as pinned
from ...cache import cache_dir
from ...console import say  # noqa: F401 - the lab's modules print through it
from ...errors import ProjectError
from ...paths import MANIFESTS, ROOT, SNIPPETS

LAB_SH = SNIPPETS / "cluster-architecture" / "high-availability-lab.sh"
HA_DIR = MANIFESTS / "cluster-architecture" / "high-availability"
HAPROXY_CFG = HA_DIR / "haproxy.cfg"
KUBEADM_CFG = HA_DIR / "kubeadm-stacked-etcd.yaml"
OUTPUT = SNIPPETS / "cluster-architecture" / "generated" / "high-availability-lab.md"
PREFIX = "cka-ha"
API_NODE_COUNT = 2  # nodes that run kube-apiserver, kube-controller-manager and kube-scheduler
ETCD_KEY = "/cka-ha-lab/key"
TOOLS = ["kubernetes", "etcd", "iproute2"]
PORTS = {  # what each component listens on, for the busy-port check
    "etcd": [2379, 2380, 2381],
    "kube-apiserver": [6443],
    "kube-controller-manager": [10257],
    "kube-scheduler": [10259],
}
PRIVATE = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]  # RFC 1918
# Bounds of the request stream of step 4.
STREAM_MAX_REQUESTS = 200
STREAM_MAX_SECONDS = 45.0



class LabError(ProjectError):
    """A failed check or a problem the user can fix, printed as one message."""


def state_dir() -> pathlib.Path:
    return cache_dir() / "lab-ha"


def versions() -> dict[str, str]:
    """The pinned versions the lab runs (part of its inputs)."""
    return {"kubernetes": pinned.get("kubernetes", "version"), "etcd": pinned.get("etcd", "version")}


@dataclass
class Topology:
    lb_ip: str
    port: int
    backend: str
    nodes: dict[str, str]  # control plane node -> address, in haproxy.cfg's order

    @property
    def api_nodes(self) -> list[str]:
        return list(self.nodes)[:API_NODE_COUNT]

    @property
    def etcd_nodes(self) -> list[str]:
        return list(self.nodes)[:3]


def topology(cfg_text: str | None = None, kubeadm_text: str | None = None) -> Topology:
    """The load balancer and the control plane nodes, from haproxy.cfg and kubeadm's controlPlaneEndpoint."""
    cfg = cfg_text if cfg_text is not None else HAPROXY_CFG.read_text(encoding="utf-8")
    kubeadm = kubeadm_text if kubeadm_text is not None else KUBEADM_CFG.read_text(encoding="utf-8")
    servers = re.findall(r"^\s*server\s+(\S+)\s+(\d+\.\d+\.\d+\.\d+):(\d+)", cfg, re.M)
    bind = re.search(r"^\s*bind\s+\S*?:(\d+)", cfg, re.M)
    backend = re.search(r"^\s*backend\s+(\S+)", cfg, re.M)
    endpoint = re.search(r'^\s*controlPlaneEndpoint:\s*"?(\d+\.\d+\.\d+\.\d+):(\d+)"?', kubeadm, re.M)
    if len(servers) < 3 or not bind or not backend:
        raise LabError(f"{rel(HAPROXY_CFG)}: expected a frontend `bind` and at least three `server` lines")
    if not endpoint:
        raise LabError(f"{rel(KUBEADM_CFG)}: no controlPlaneEndpoint address:port")
    if int(endpoint.group(2)) != int(bind.group(1)):
        raise LabError(f"haproxy.cfg binds port {bind.group(1)} but the controlPlaneEndpoint uses {endpoint.group(2)}")
    if any(int(port) != 6443 for _, _, port in servers):
        raise LabError("haproxy.cfg: the lab runs kube-apiserver on port 6443 of each node")
    topo = Topology(endpoint.group(1), int(bind.group(1)), backend.group(1), {n: ip for n, ip, _ in servers})
    addresses = [topo.lb_ip, *topo.nodes.values()]
    if not all(any(ipaddress.ip_address(a) in net for net in PRIVATE) for a in addresses):
        raise LabError(
            f"haproxy.cfg names addresses outside the private ranges ({', '.join(addresses)}); the lab builds the "
            "example only with private addresses, inside network namespaces of its own"
        )
    if len({ipaddress.ip_network(f"{a}/24", strict=False) for a in addresses}) != 1:
        raise LabError(f"the load balancer and the nodes must share one /24 network: {', '.join(addresses)}")
    return topo


def rel(path: pathlib.Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def longest_gap(requests: list[tuple[float, float, bool]], start: float) -> float:
    """Longest time between two answered requests (or from `start` to the first), in a stream of (sent, done, ok)."""
    last, gap = start, 0.0
    for _, done, ok in requests:
        if ok:
            gap = max(gap, done - last)
            last = done
    return gap


def parse_etcd_ts(ts: str) -> float:
    return datetime.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


def became_leader_at(log_text: str, member_hex: str, after: float) -> float | None:
    """Wall-clock time at which etcd's log says `member_hex` became leader, after `after`."""
    for line in log_text.splitlines():
        if not line.startswith("{") or f"{member_hex} became leader at term" not in line:
            continue
        with contextlib.suppress(ValueError, KeyError):
            ts = parse_etcd_ts(json.loads(line)["ts"])
            if ts >= after:
                return ts
    return None


HAPROXY_STATE = re.compile(r"Server (\S+)/(\S+) is (UP|DOWN)\b")


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f}"


