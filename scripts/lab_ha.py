"""The live HA lab: `make lab-ha`.

  lab_ha.py [run]   build a stacked HA control plane, break it step by step, measure, tear down
  lab_ha.py down    remove what an interrupted run left (processes, network namespaces, files)

The lab builds the example of docs/cluster-architecture/high-availability on this machine:
three etcd v3.6 members with TLS (certificates made with openssl), two kube-apiservers that
know all three members, HAProxy in front of them with the page's haproxy.cfg as it is, and
two kube-controller-managers and kube-schedulers with leader election. haproxy.cfg names
private addresses (192.168.56.x), so every machine of the example is a network namespace of
its own and those addresses exist only inside the lab. kubectl talks only to the load
balancer. The commands are scripts/ha/lab.sh, whose sections the page shows.

Then, with assertions and timings:
  1. one etcd leader, writes succeed;
  2. kill the etcd leader: a new one is elected, writes go on with two of three members;
  3. kill a second member: no quorum, writes and linearizable reads fail, serializable
     reads still answer; restart one member: quorum and writes return;
  4. kill one API server: kubectl through HAProxy keeps working (longest gap measured);
  5. kill the leading controller manager: the other one takes the Lease (time measured).

On success it writes the transcript and the figures of the run into
snippets/cluster-architecture/generated/high-availability-lab.md, which the page
includes, with a hash of the inputs (this script, lab.sh, haproxy.cfg, versions) that
tests/test_lab_ha.py checks. Whatever happens, it stops everything it started and
removes its network namespaces and its state directory. Needs root (network namespaces).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime
import hashlib
import ipaddress
import json
import os
import pathlib
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import tools  # noqa: E402

LAB_SH = ROOT / "scripts" / "ha" / "lab.sh"
HA_DIR = ROOT / "manifests" / "cluster-architecture" / "high-availability"
HAPROXY_CFG = HA_DIR / "haproxy.cfg"
KUBEADM_CFG = HA_DIR / "kubeadm-stacked-etcd.yaml"
OUTPUT = ROOT / "snippets" / "cluster-architecture" / "generated" / "high-availability-lab.md"
PREFIX = "cka-ha"
API_NODE_COUNT = 2  # nodes that run kube-apiserver, kube-controller-manager and kube-scheduler
ETCD_KEY = "/cka-ha-lab/key"
TOOLS = ["kubernetes", "etcd", "iproute2"]
# Files whose content the generated output depends on (with the versions of versions.yaml).
INPUT_FILES = [pathlib.Path(__file__).resolve(), LAB_SH, HAPROXY_CFG]
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


class LabError(Exception):
    """A failed check or a problem the user can fix, printed as one message."""


def say(message: str) -> None:
    print(message, flush=True)


def state_dir() -> pathlib.Path:
    return tools.cache_dir() / "lab-ha"


def versions() -> dict[str, str]:
    v = tools.load_versions()
    return {"kubernetes": v["kubernetes"]["version"], "etcd": v["etcd"]["version"]}


def inputs_hash() -> str:
    """sha256 over the lab's inputs: the files of INPUT_FILES and the pinned versions."""
    h = hashlib.sha256()
    for path in INPUT_FILES:
        h.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name, version in sorted(versions().items()):
        h.update(f"{name}={version}\0".encode())
    return h.hexdigest()


# --------------------------------------------------------------------------- topology


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


# --------------------------------------------------------------------------- measurements


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


# --------------------------------------------------------------------------- processes


@dataclass
class Component:
    name: str
    node: str
    popen: subprocess.Popen
    log: pathlib.Path
    lines: list[tuple[float, str]] = field(default_factory=list)  # kept for HAProxy only
    stopped: bool = False  # stopped on purpose or already handled: the supervisor leaves it alone
    offset: int = 0  # size of the log file when this instance started
    started: float = 0.0
    reader: threading.Thread | None = None

    @property
    def label(self) -> str:
        return f"{self.name} on {self.node}"


class Transcript:
    """What the page shows: the commands of each step with their real output, and notes."""

    def __init__(self) -> None:
        self.sections: dict[str, list[str]] = {}
        self.current = ""

    def section(self, name: str) -> None:
        self.current = name
        self.sections.setdefault(name, [])

    def add(self, line: str) -> None:
        self.sections[self.current].append(line.rstrip())

    def note(self, text: str) -> None:
        self.add(f"# {text}")

    def command(self, display: str, output: str) -> None:
        self.add(f"$ {display}")
        for line in output.rstrip("\n").splitlines():
            self.add(line)


class Lab:
    def __init__(self, topo: Topology) -> None:
        self.topo = topo
        self.dir = state_dir()
        self.components: dict[tuple[str, str], Component] = {}
        self.lock = threading.Lock()
        self.restarts: dict[tuple[str, str, str], int] = {}  # (step, component, reason) -> restarts
        self.unexpected: list[str] = []
        self.running = False
        self.t = Transcript()
        self.figures: dict[str, object] = {}
        self.supervisor: threading.Thread | None = None

    # ------------------------------------------------------------------ environment

    def env(self) -> dict[str, str]:
        sbin = "/usr/local/sbin:/usr/sbin:/sbin"
        return dict(
            os.environ,
            PATH=f"{tools.bin_dir()}{os.pathsep}{os.environ.get('PATH', '')}{os.pathsep}{sbin}",
            LAB_DIR=str(self.dir),
            PREFIX=PREFIX,
            HAPROXY_CFG=str(HAPROXY_CFG),
            LB_IP=self.topo.lb_ip,
            API_PORT=str(self.topo.port),
            NODES=" ".join(f"{n}={ip}" for n, ip in self.topo.nodes.items()),
            API_NODES=" ".join(self.topo.api_nodes),
            CLIENT_NODE=self.topo.api_nodes[0],
            KUBECACHEDIR=str(self.dir / "kube-cache"),  # kubectl's discovery cache stays in the lab
        )

    def sh(self, *args: str, timeout: float = 60) -> str:
        try:
            proc = subprocess.run(["bash", str(LAB_SH), *args], env=self.env(), capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            raise LabError(f"`lab.sh {' '.join(args)}` did not finish within {timeout:.0f} s") from None
        if proc.returncode != 0:
            raise LabError(f"`lab.sh {' '.join(args)}` failed (exit {proc.returncode}): {(proc.stderr or proc.stdout).strip()[-1500:]}")
        return proc.stdout

    def client(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        """Run etcdctl or kubectl on the client node (scripts/ha/lab.sh client)."""
        try:
            return subprocess.run(["bash", str(LAB_SH), "client", *args], env=self.env(), capture_output=True,
                                  text=True, timeout=timeout)
        except subprocess.TimeoutExpired as err:
            return subprocess.CompletedProcess(err.cmd, 124, err.stdout or "", f"timed out after {timeout:.0f} s")

    def show(self, *args: str, timeout: float = 30, expect: bool | None = True) -> subprocess.CompletedProcess:
        """Run a client command and add it with its output to the transcript; check its exit status."""
        result = self.client(*args, timeout=timeout)
        out = result.stdout
        err = "\n".join(line for line in result.stderr.splitlines() if line.strip() and not line.startswith("{"))
        text = out + ("\n" if out and not out.endswith("\n") else "") + err
        self.t.command(shlex.join(args), text)
        if expect is True and result.returncode != 0:
            raise LabError(f"`{shlex.join(args)}` failed (exit {result.returncode}): {err or out}")
        if expect is False and result.returncode == 0:
            raise LabError(f"`{shlex.join(args)}` succeeded but should have failed: {out}")
        return result

    # ------------------------------------------------------------------ components

    def start(self, name: str, node: str) -> Component:
        self.check_ports(name, node)
        self.dir.joinpath("logs").mkdir(parents=True, exist_ok=True)
        log = self.dir / "logs" / f"{name}-{node}.log"
        offset = log.stat().st_size if log.exists() else 0
        popen = subprocess.Popen(["bash", str(LAB_SH), "start", name, node], env=self.env(), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        comp = Component(name, node, popen, log, offset=offset, started=time.monotonic())
        comp.reader = threading.Thread(target=self._read, args=(comp,), daemon=True)
        comp.reader.start()
        with self.lock:
            self.components[(name, node)] = comp
        return comp

    @staticmethod
    def _read(comp: Component) -> None:
        keep = comp.name == "haproxy"
        with open(comp.log, "ab") as fh:
            for raw in comp.popen.stdout:
                fh.write(raw)
                fh.flush()
                if keep:
                    comp.lines.append((time.monotonic(), raw.decode(errors="replace").rstrip()))

    def check_ports(self, name: str, node: str) -> None:
        ports = [self.topo.port] if name == "haproxy" else PORTS.get(name, [])
        ns = f"{PREFIX}-{node}"
        result = subprocess.run(["ip", "netns", "exec", ns, "ss", "-Htlnp"], capture_output=True, text=True,
                                env=self.env())
        for line in result.stdout.splitlines():
            fields = line.split()
            if len(fields) < 4:
                continue
            port = fields[3].rsplit(":", 1)[-1]
            if port.isdigit() and int(port) in ports:
                owner = fields[5] if len(fields) > 5 else "another process"
                raise LabError(f"port {port} on {node} (network namespace {ns}) is already in use by {owner}; "
                               f"run `{sys.executable} scripts/lab_ha.py down` and try again")

    def kill(self, name: str, node: str) -> float:
        """SIGKILL a component (a crash, not a graceful stop); return the wall-clock time of the kill."""
        comp = self.components[(name, node)]
        comp.stopped = True
        pids = children(comp.popen.pid) or [comp.popen.pid]
        when = time.time()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        try:
            comp.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(comp.popen.pid, signal.SIGKILL)
            comp.popen.wait(timeout=10)
        return when

    def supervise(self) -> None:
        """Restart a controller manager or scheduler that exits on its own, as the kubelet restarts a static Pod.

        Like the kubelet's back-off, the delay doubles (1 s up to 8 s) while it keeps exiting.
        """
        failures: dict[tuple[str, str], int] = {}
        while self.running:
            time.sleep(0.5)
            with self.lock:
                comps = list(self.components.values())
            for comp in comps:
                if comp.stopped or comp.popen.poll() is None or not self.running:
                    continue
                comp.stopped = True
                tail = own_log(comp)[-6000:]
                if comp.name not in ("kube-controller-manager", "kube-scheduler"):
                    busy = " (a port it needs is in use)" if "address already in use" in tail else ""
                    self.unexpected.append(f"{comp.label} exited with {comp.popen.returncode}{busy}")
                    continue
                if "leaderelection lost" in tail.lower():
                    why = "it could not renew its Lease in time"
                elif "connection refused" in tail:
                    why = "its API server does not answer"
                else:
                    why = f"exit {comp.popen.returncode}" + last_klog_error(tail)
                key = (comp.name, comp.node)
                failures[key] = 0 if time.monotonic() - comp.started > 20 else failures.get(key, 0) + 1
                delay = min(2 ** failures[key], 8)
                self.restarted(comp.label, why)
                time.sleep(delay)
                if self.running:
                    self.start(comp.name, comp.node)

    def restarted(self, label: str, why: str) -> None:
        """Note a restart in the transcript once per component, reason and step; count the others."""
        key = (self.t.current, label, why)
        self.restarts[key] = self.restarts.get(key, 0) + 1
        if self.restarts[key] == 1:
            message = f"{label} exited ({why}); restarted, as the kubelet restarts a static Pod"
            say(f"    {message}")
            if self.t.current:
                self.t.note(message)

    def note_restart_counts(self, section: str) -> None:
        for (sec, label, why), count in self.restarts.items():
            if sec == section and count > 1:
                self.t.note(f"{label} exited {count} times in this step ({why}) and was restarted each time")

    def check_health(self) -> None:
        if self.unexpected:
            raise LabError("; ".join(self.unexpected))

    # ------------------------------------------------------------------ HAProxy state

    def haproxy_states(self, since: float = 0.0) -> list[tuple[float, str, str, str]]:
        comp = self.components[("haproxy", "lb")]
        found = []
        for t, line in list(comp.lines):
            m = HAPROXY_STATE.search(line)
            if m and t >= since and m.group(1) == self.topo.backend and not line.startswith("["):
                found.append((t, m.group(2), m.group(3), line))
        return found

    def server_state(self, server: str) -> str | None:
        states = [s for _, name, s, _ in self.haproxy_states() if name == server]
        return states[-1] if states else None

    def wait_haproxy(self, server: str, state: str, timeout: float, since: float = 0.0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_health()
            for t, name, s, _ in self.haproxy_states(since):
                if name == server and s == state:
                    return t
            if since == 0.0 and self.server_state(server) == state:
                return time.monotonic()
            time.sleep(0.1)
        raise LabError(f"HAProxy did not report {server} {state} within {timeout:.0f} s")

    def haproxy_log(self, since: float, until: float | None = None, only: str | None = None) -> list[str]:
        comp = self.components[("haproxy", "lb")]
        out = []
        for t, line in list(comp.lines):
            if t < since or (until is not None and t > until) or line.startswith("["):
                continue
            if only is None or only in line:
                out.append(line)
        return out

    # ------------------------------------------------------------------ etcd helpers

    def endpoint(self, node: str) -> str:
        return f"https://{self.topo.nodes[node]}:2379"

    def members(self) -> dict[int, str]:
        result = self.client("etcdctl", "member", "list", "-w", "json")
        if result.returncode != 0:
            raise LabError(f"etcdctl member list failed: {result.stderr.strip()[-500:]}")
        return {int(m["ID"]): m["name"] for m in json.loads(result.stdout)["members"]}

    def etcd_status(self, nodes: list[str]) -> list[dict]:
        endpoints = ",".join(self.endpoint(n) for n in nodes)
        result = self.client(f"ETCDCTL_ENDPOINTS={endpoints}", "etcdctl", "--command-timeout=1s", "endpoint",
                             "status", "-w", "json", timeout=10)
        with contextlib.suppress(ValueError):
            return json.loads(result.stdout) if result.stdout.strip() else []
        return []

    def put_ok(self, value: str, timeout: str = "1s") -> bool:
        return self.client("etcdctl", f"--command-timeout={timeout}", "put", ETCD_KEY, value, timeout=15).returncode == 0

    def wait_etcd_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_health()
            result = self.client("etcdctl", "--command-timeout=2s", "endpoint", "health", "--cluster", "-w", "json",
                                 timeout=15)
            with contextlib.suppress(ValueError):
                health = json.loads(result.stdout or "[]")
                if len(health) == len(self.topo.etcd_nodes) and all(h.get("health") for h in health):
                    return
            time.sleep(0.3)
        raise LabError(f"the etcd cluster was not healthy within {timeout:.0f} s")

    # ------------------------------------------------------------------ Kubernetes helpers

    def lease_holder(self, name: str) -> str:
        result = self.client("kubectl", "get", "lease", name, "-n", "kube-system", "-o",
                             "jsonpath={.spec.holderIdentity}", "--request-timeout=5s", timeout=15)
        return result.stdout.strip() if result.returncode == 0 else ""

    def wait_leases(self, timeout: float) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        holders: dict[str, str] = {}
        while time.monotonic() < deadline:
            self.check_health()
            holders = {n: self.lease_holder(n) for n in ("kube-controller-manager", "kube-scheduler")}
            if all(h.split("_")[0] in self.topo.api_nodes for h in holders.values()):
                return holders
            time.sleep(0.5)
        raise LabError(f"the controller manager and scheduler Leases had no holder within {timeout:.0f} s: {holders}")

    def wait_api(self, timeout: float) -> None:
        """Both API servers UP behind HAProxy and /readyz answering through it."""
        start = time.monotonic()
        for node in self.topo.api_nodes:
            self.wait_haproxy(node, "UP", max(1.0, timeout - (time.monotonic() - start)))
        deadline = start + timeout
        while time.monotonic() < deadline:
            if self.client("kubectl", "get", "--raw", "/readyz", "--request-timeout=5s", timeout=15).returncode == 0:
                return
            time.sleep(0.5)
        raise LabError(f"kubectl get --raw /readyz did not answer through HAProxy within {timeout:.0f} s")

    # ------------------------------------------------------------------ the lab

    def up(self) -> None:
        say(f"==> [setup] network namespaces: {PREFIX}-lb ({self.topo.lb_ip}) and "
            + ", ".join(f"{PREFIX}-{n} ({ip})" for n, ip in self.topo.nodes.items()))
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "pid").write_text(str(os.getpid()))
        self.sh("network")
        say("==> [setup] certificates with openssl (etcd CA: server, peer and client certificates; cluster CA), kubeconfigs")
        self.sh("pki")
        self.sh("kubeconfigs")
        self.running = True
        self.supervisor = threading.Thread(target=self.supervise, daemon=True)
        self.supervisor.start()

        self.t.section("setup")
        t0 = time.monotonic()
        for node in self.topo.etcd_nodes:
            self.start("etcd", node)
        say(f"==> [setup] etcd {versions()['etcd']} on {', '.join(self.topo.etcd_nodes)} (TLS for clients and peers)")
        self.wait_etcd_healthy(60)
        self.figures["etcd_ready_s"] = round(time.monotonic() - t0, 2)
        self.show("etcdctl", "member", "list", "-w", "table")
        self.show("etcdctl", "endpoint", "health", "--cluster", "-w", "table")

        say(f"==> [setup] HAProxy in front of the API servers ({rel(HAPROXY_CFG)}, unchanged), "
            f"listening on {self.topo.lb_ip}:{self.topo.port}")
        haproxy = subprocess.run(["haproxy", "-c", "-f", str(HAPROXY_CFG)], capture_output=True, text=True,
                                 env=self.env())
        if haproxy.returncode != 0:
            raise LabError(f"haproxy -c rejects {rel(HAPROXY_CFG)}: {haproxy.stderr.strip()[-800:]}")
        self.start("haproxy", "lb")
        t_api = time.monotonic()
        for node in self.topo.api_nodes:
            self.start("kube-apiserver", node)
        say(f"==> [setup] kube-apiserver {versions()['kubernetes']} on {', '.join(self.topo.api_nodes)}, "
            "waiting until HAProxy's /readyz check marks them UP")
        self.wait_api(180)
        self.figures["api_ready_s"] = round(time.monotonic() - t_api, 2)
        spare = [n for n in self.topo.nodes if n not in self.topo.api_nodes]
        for line in self.haproxy_log(0, only=f"{self.topo.backend}/"):
            if HAPROXY_STATE.search(line):
                self.t.note(f"haproxy: {line}")
        if spare:
            self.t.note(f"{', '.join(spare)} runs etcd only: HAProxy's health check keeps it DOWN")
        for node in self.topo.api_nodes:
            self.start("kube-controller-manager", node)
            self.start("kube-scheduler", node)
        say(f"==> [setup] kube-controller-manager and kube-scheduler on {', '.join(self.topo.api_nodes)} (leader election)")
        self.wait_leases(90)
        self.show("kubectl", "cluster-info")
        self.show("kubectl", "get", "endpointslice", "-n", "default", "-l", "kubernetes.io/service-name=kubernetes")
        self.show("kubectl", "get", "lease", "-n", "kube-system")
        self.figures["setup_s"] = round(time.monotonic() - t0, 2)
        say(f"    control plane up in {self.figures['setup_s']} s")

    def step1(self) -> None:
        self.t.section("step-1")
        say("==> [step 1/5] etcd: one leader, writes succeed")
        self.show("etcdctl", "endpoint", "status", "--cluster", "-w", "table")
        status = self.etcd_status(self.topo.etcd_nodes)
        leaders = {s["Status"].get("leader", 0) for s in status}
        terms = {s["Status"].get("raftTerm", 0) for s in status}
        members = self.members()
        if len(status) != 3 or len(leaders) != 1 or 0 in leaders or len(terms) != 1:
            raise LabError(f"expected three members that agree on one leader and one term, got {status}")
        is_leader = [s for s in status if s["Status"]["header"].get("member_id") == s["Status"].get("leader", 0)]
        if len(is_leader) != 1:
            raise LabError("expected exactly one member with IS LEADER true")
        self.leader = members[leaders.pop()]
        self.show("etcdctl", "put", ETCD_KEY, "written with 3 of 3 members")
        self.figures["first_leader"] = self.leader
        say(f"    leader: {self.leader} (term {terms.pop()}); the write succeeded")

    def step2(self) -> None:
        self.t.section("step-2")
        old = self.leader
        members = {name: mid for mid, name in self.members().items()}
        rest = [n for n in self.topo.etcd_nodes if n != old]
        say(f"==> [step 2/5] kill the etcd leader ({old}) with SIGKILL")
        t0 = time.monotonic()
        killed_at = self.kill("etcd", old)
        self.t.note(f"kill -9 the etcd member on {old} (the leader)")
        seen = None
        deadline = t0 + 20
        while time.monotonic() < deadline:
            for s in self.etcd_status(rest):
                lead = s["Status"].get("leader", 0)
                if lead not in (0, members[old]):
                    seen = time.monotonic() - t0
                    new_id = lead
                    break
            if seen is not None:
                break
            time.sleep(0.05)
        if seen is None:
            raise LabError(f"no new etcd leader among {', '.join(rest)} within 20 s")
        self.leader = {v: k for k, v in members.items()}[new_id]
        log = self.components[("etcd", self.leader)].log.read_text(errors="replace")
        elected = became_leader_at(log, format(new_id, "x"), killed_at)
        election = (elected - killed_at) if elected else seen
        self.figures.update(election_s=round(election, 2), election_seen_s=round(seen, 2), second_leader=self.leader)
        self.t.note(f"{self.leader} became leader {fmt_s(election)} s after the kill (etcd's log); "
                    f"etcdctl saw it after {fmt_s(seen)} s")
        self.show("etcdctl", "--command-timeout=2s", "endpoint", "status", "--cluster", "-w", "table", expect=None)
        self.show("etcdctl", "put", ETCD_KEY, "written with 2 of 3 members")
        say(f"    new leader {self.leader} after {fmt_s(election)} s (etcd's log; etcdctl saw it after {fmt_s(seen)} s); "
            "writes go on with 2 of 3 members")

    def step3(self) -> None:
        self.t.section("step-3")
        follower = next(n for n in self.topo.etcd_nodes if n not in (self.leader, self.first_down))
        survivor = self.leader
        say(f"==> [step 3/5] kill a second etcd member ({follower}): 1 of 3 is below the quorum of 2")
        self.kill("etcd", follower)
        self.t.note(f"kill -9 the etcd member on {follower}: only {survivor} is left, 1 of 3 members")
        time.sleep(2.5)  # longer than the election timeout (1 s): the lone leader steps down (CheckQuorum)
        put = self.show("etcdctl", "--command-timeout=3s", "put", ETCD_KEY, "written by 1 of 3 members", expect=False)
        self.figures["no_quorum_write_error"] = last_error(put.stderr)
        get = self.show("etcdctl", "--command-timeout=3s", "get", ETCD_KEY, expect=False)
        self.figures["no_quorum_read_error"] = last_error(get.stderr)
        serial = self.show("etcdctl", "get", ETCD_KEY, "--consistency=s")
        if "written with 2 of 3 members" not in serial.stdout:
            raise LabError(f"the serializable read returned {serial.stdout!r}, not the last committed value")
        self.show(f"ETCDCTL_ENDPOINTS={self.endpoint(survivor)}", "etcdctl", "endpoint", "status", "-w", "table")
        kube = self.show("kubectl", "create", "configmap", "written-without-quorum", "--request-timeout=5s",
                         timeout=30, expect=False)
        self.figures["no_quorum_kubectl_error"] = last_error(kube.stderr)
        say(f"    writes fail ({self.figures['no_quorum_write_error']}), linearizable reads fail, "
            "serializable reads answer; kubectl cannot change anything")

        say(f"==> [step 3/5] restart etcd on {follower}: 2 of 3 members, quorum again")
        t0 = time.monotonic()
        self.start("etcd", follower)
        self.t.note(f"start the etcd member on {follower} again (same data directory)")
        deadline = t0 + 30
        while not self.put_ok("written after the quorum came back"):
            if time.monotonic() > deadline:
                raise LabError("writes did not come back within 30 s of restarting a member")
            time.sleep(0.1)
        back = time.monotonic() - t0
        self.figures["quorum_back_s"] = round(back, 2)
        self.t.note(f"writes succeed again {fmt_s(back)} s after the member was started")
        self.show("etcdctl", "--command-timeout=2s", "endpoint", "status", "--cluster", "-w", "table", expect=None)
        self.show("etcdctl", "get", ETCD_KEY)
        say(f"    writes are back {fmt_s(back)} s after the restart")

        say(f"==> [step 3/5] restart etcd on {self.first_down} too, wait for 3 healthy members and both API servers")
        self.start("etcd", self.first_down)
        self.wait_etcd_healthy(60)
        self.show("etcdctl", "endpoint", "health", "--cluster", "-w", "table")
        self.wait_api(120)
        self.wait_leases(60)

    def step4(self) -> None:
        self.t.section("step-4")
        victim = self.topo.api_nodes[0]
        say(f"==> [step 4/5] kill kube-apiserver on {victim}; kubectl keeps asking through HAProxy")
        self.show("kubectl", "get", "lease", "-n", "kube-system")
        requests: list[tuple[float, float, bool]] = []
        details: list[tuple[float, float, bool, str]] = []
        start = time.monotonic()
        killed = down_at = None
        mark = start
        while len(requests) < STREAM_MAX_REQUESTS and time.monotonic() - start < STREAM_MAX_SECONDS:
            if killed is None and time.monotonic() - start >= 2.0:
                self.kill("kube-apiserver", victim)
                killed = time.monotonic()
                mark = killed
            if killed is not None and down_at is None:
                downs = [t for t, n, s, _ in self.haproxy_states(killed) if n == victim and s == "DOWN"]
                down_at = downs[0] if downs else None
            if down_at is not None and time.monotonic() - down_at > 3.0:
                break
            sent = time.monotonic()
            result = self.client("kubectl", "get", "namespace", "kube-system", "-o", "name", "--request-timeout=10s",
                                 timeout=20)
            done = time.monotonic()
            ok = result.returncode == 0 and "namespace/kube-system" in result.stdout
            requests.append((sent, done, ok))
            details.append((sent, done, ok, (result.stdout.strip() if ok else last_error(result.stderr))))
        if killed is None or down_at is None:
            raise LabError(f"HAProxy did not mark {victim} DOWN within {STREAM_MAX_SECONDS:.0f} s of the kill")
        gap = longest_gap(requests, start)
        failed = sum(1 for r in requests if not r[2])
        after = [r for r in requests if r[0] >= killed]
        before = [r[1] - r[0] for r in requests if r[1] < killed]
        self.figures.update(
            api_gap_s=round(gap, 2), api_requests=len(requests), api_failed=failed,
            api_down_detect_s=round(down_at - killed, 2), api_killed=victim,
            api_typical_s=round(sorted(before)[len(before) // 2], 2) if before else None,
            api_stream_s=round(requests[-1][1] - start, 2),
        )
        self.t.note(f"kubectl get namespace kube-system -o name --request-timeout=10s, again and again, through "
                    f"{self.topo.lb_ip}:{self.topo.port}")
        self.t.note(f"kube-apiserver on {victim} is killed at +{fmt_s(killed - start)} s; "
                    "each line: time since the first request, result, duration, answer")
        for sent, done, ok, text in details:
            if sent >= killed - 0.6 and sent <= down_at + 0.5:
                self.add_request(start, sent, done, ok, text)
        for line in self.haproxy_log(killed, down_at + 0.2, only=f"{self.topo.backend}/{victim}"):
            self.t.note(f"haproxy: {line}")
        self.t.note(f"{len(requests)} requests in {fmt_s(requests[-1][1] - start)} s ({len(after)} after the kill), "
                    f"{failed} failed; longest time without an answer: {fmt_s(gap)} s")
        self.t.note(f"HAProxy marked {victim} DOWN {fmt_s(down_at - killed)} s after the kill")
        if failed:
            raise LabError(f"{failed} of {len(requests)} kubectl requests through HAProxy failed while one API server was down")
        if gap > 15:
            raise LabError(f"kubectl went {gap:.1f} s without an answer through HAProxy")
        say(f"    {len(requests)} requests, {failed} failed; longest gap {fmt_s(gap)} s; "
            f"HAProxy marked {victim} DOWN after {fmt_s(down_at - killed)} s")
        say(f"==> [step 4/5] start kube-apiserver on {victim} again")
        t0 = time.monotonic()
        self.start("kube-apiserver", victim)
        up_at = self.wait_haproxy(victim, "UP", 120, since=t0)
        self.figures["api_back_s"] = round(up_at - t0, 2)
        for line in self.haproxy_log(t0, only=f"{self.topo.backend}/{victim} is"):
            self.t.note(f"haproxy: {line}")
        self.wait_api(60)
        self.wait_leases(60)

    def add_request(self, start: float, sent: float, done: float, ok: bool, text: str) -> None:
        self.t.add(f"+{sent - start:6.2f}s  {'ok    ' if ok else 'FAILED'} {done - sent:5.2f}s  {text}")

    def step5(self) -> None:
        self.t.section("step-5")
        holder = self.lease_holder("kube-controller-manager")
        leader = holder.split("_")[0]
        if leader not in self.topo.api_nodes:
            raise LabError(f"unexpected kube-controller-manager Lease holder {holder!r}")
        say(f"==> [step 5/5] kill the leading kube-controller-manager ({leader}); the other one takes the Lease")
        self.show("kubectl", "get", "lease", "kube-controller-manager", "-n", "kube-system")
        watch = subprocess.Popen(
            ["bash", str(LAB_SH), "client", "kubectl", "get", "lease", "kube-controller-manager", "-n", "kube-system",
             "--watch", "-o", "jsonpath={.spec.holderIdentity}{'\\n'}"],
            env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
        seen: list[tuple[float, str]] = []
        reader = threading.Thread(target=lambda: [seen.append((time.monotonic(), line.strip())) for line in watch.stdout],
                                  daemon=True)
        reader.start()
        try:
            deadline = time.monotonic() + 15
            while not seen and time.monotonic() < deadline:
                time.sleep(0.1)
            if not seen:
                raise LabError("kubectl get lease --watch printed nothing within 15 s")
            t0 = time.monotonic()
            self.kill("kube-controller-manager", leader)
            self.t.note(f"kill -9 kube-controller-manager on {leader} (the Lease holder); "
                        "`kubectl get lease --watch` sees every change")
            deadline = t0 + 60
            new = None
            while new is None and time.monotonic() < deadline:
                new = next(((t, h) for t, h in list(seen) if t >= t0 and h and h != holder), None)
                time.sleep(0.05)
            if new is None:
                raise LabError("no other kube-controller-manager took the Lease within 60 s")
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(watch.pid, signal.SIGKILL)
            watch.wait(timeout=10)
        takeover = new[0] - t0
        self.figures.update(lease_takeover_s=round(takeover, 2), lease_from=leader, lease_to=new[1].split("_")[0])
        self.t.note(f"the Lease changed hands {fmt_s(takeover)} s after the kill "
                    f"(lease duration 6 s, retry period 1 s)")
        self.show("kubectl", "get", "lease", "kube-controller-manager", "-n", "kube-system", "-o",
                  "custom-columns=HOLDER:.spec.holderIdentity,DURATION:.spec.leaseDurationSeconds,"
                  "TRANSITIONS:.spec.leaseTransitions")
        self.show("kubectl", "create", "deployment", "ha-check", "--image=registry.k8s.io/pause:3.10")
        deadline = time.monotonic() + 30
        while True:
            rs = self.client("kubectl", "get", "replicaset", "-l", "app=ha-check", "-o", "name")
            if rs.stdout.strip():
                break
            if time.monotonic() > deadline:
                raise LabError("the new leader's Deployment controller made no ReplicaSet within 30 s")
            time.sleep(0.5)
        self.show("kubectl", "get", "deployment,replicaset", "-l", "app=ha-check")
        self.t.note("the ReplicaSet exists: the new leader's controllers are working (no nodes, so no Pod runs)")
        say(f"    the Lease moved to {self.figures['lease_to']} {fmt_s(takeover)} s after the kill; "
            "its Deployment controller made the ReplicaSet")

    def run(self) -> None:
        self.first_down = ""
        for step in (self.up, self.step1, self.step2, self.step3, self.step4, self.step5):
            step()
            if step == self.step1:
                self.first_down = self.leader  # step 2 kills it
            self.note_restart_counts(self.t.current)

    def stop(self) -> None:
        self.running = False
        with self.lock:
            comps = list(self.components.values())
        for comp in comps:
            comp.stopped = True
            if comp.popen.poll() is None:
                with contextlib.suppress(Exception):
                    self.kill(comp.name, comp.node)


def own_log(comp: Component) -> str:
    """The log lines written by this instance of the component (restarts append to the same file)."""
    try:
        with open(comp.log, "rb") as fh:
            fh.seek(comp.offset)
            return fh.read().decode(errors="replace")
    except OSError:
        return ""


def last_klog_error(log: str) -> str:
    """': <message>' of the last error or fatal line of a Kubernetes component's log, or ''."""
    for line in reversed(log.splitlines()):
        m = re.match(r"^[EF]\d{4} [\d:.]+\s+\d+ \S+\] (.*)$", line)
        if m:
            return ": " + m.group(1)[:120]
    return ""


def last_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip() and not line.startswith("{")]
    return lines[-1] if lines else ""


def children(pid: int) -> list[int]:
    try:
        text = pathlib.Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


# --------------------------------------------------------------------------- cleanup


def lab_namespaces() -> list[str]:
    result = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    return [line.split()[0] for line in result.stdout.splitlines() if line.startswith(f"{PREFIX}-")]


def leftover_processes() -> list[tuple[int, str]]:
    """Processes inside the lab's network namespaces, or started from its state directory."""
    marker = str(state_dir())
    inodes = set()
    for ns in lab_namespaces():
        with contextlib.suppress(OSError):
            inodes.add(os.stat(f"/run/netns/{ns}").st_ino)
    found = []
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            ino = os.stat(proc / "ns" / "net").st_ino
        except OSError:
            continue
        if cmdline and (marker in cmdline or ino in inodes):
            found.append((int(proc.name), cmdline[:100]))
    return found


def reap() -> None:
    """Collect the exit status of every finished child (the lab is their subreaper)."""
    with contextlib.suppress(ChildProcessError):
        while True:
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break


def cleanup(quiet: bool = False) -> list[str]:
    """Kill everything the lab started, delete its namespaces and its directory; return what was left."""
    for _ in range(3):
        for pid, _ in leftover_processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        reap()
    for ns in lab_namespaces():
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    shutil.rmtree(state_dir(), ignore_errors=True)
    time.sleep(0.2)
    reap()
    left = [f"process {pid}: {cmd}" for pid, cmd in leftover_processes()]
    left += [f"network namespace {ns}" for ns in lab_namespaces()]
    if state_dir().exists():
        left.append(f"directory {state_dir()}")
    if not quiet:
        say("==> cleanup: " + ("; ".join(left) if left else
                               "no process, network namespace, port or directory of the lab is left"))
    return left


def another_run() -> int | None:
    """The pid of another lab_ha.py that is running now, if any."""
    with contextlib.suppress(OSError, ValueError):
        pid = int((state_dir() / "pid").read_text())
        if pid != os.getpid() and b"lab_ha.py" in pathlib.Path(f"/proc/{pid}/cmdline").read_bytes():
            return pid
    return None


# --------------------------------------------------------------------------- output


def summary(figures: dict, total: float, stamp: str) -> list[str]:
    """The measured times of a run, as the lab prints them at the end (and the page shows them)."""
    f = figures
    v = versions()
    rows = [
        ("step 2", "etcd leader killed (SIGKILL)",
         f"new leader after {fmt_s(f['election_s'])} s (etcd's log), seen by etcdctl after {fmt_s(f['election_seen_s'])} s"),
        ("step 3", "1 of 3 etcd members left", f"write: {f['no_quorum_write_error']}"),
        ("", "", f"linearizable read: {f['no_quorum_read_error']}"),
        ("", "", "serializable read (--consistency=s): the last committed value"),
        ("", "a second member started again", f"writes back after {fmt_s(f['quorum_back_s'])} s"),
        ("step 4", f"API server on {f['api_killed']} killed",
         f"{f['api_requests']} kubectl requests through HAProxy, {f['api_failed']} failed"),
        ("", "", f"longest time without an answer: {fmt_s(f['api_gap_s'])} s (usually {fmt_s(f['api_typical_s'] or 0)} s)"),
        ("", "", f"HAProxy marked it DOWN after {fmt_s(f['api_down_detect_s'])} s, UP {fmt_s(f['api_back_s'])} s after its restart"),
        ("step 5", "leading controller manager killed",
         f"Lease taken over after {fmt_s(f['lease_takeover_s'])} s ({f['lease_from']} -> {f['lease_to']}, lease 6 s)"),
        ("total", "", f"{total:.0f} s (control plane up in {fmt_s(f['setup_s'])} s)"),
    ]
    head = (f"HA lab, last run {stamp}: Kubernetes {v['kubernetes']}, etcd {v['etcd']}, {haproxy_version()}, "
            f"{os.cpu_count()} CPUs")
    return [head, *[f"{a:<7} {b:<36} {c}".rstrip() for a, b, c in rows]]


def render(lab: Lab, total: float, stamp: str) -> str:
    figures = dict(lab.figures, total_s=round(total, 1))
    lines = [
        "<!-- Generated by scripts/lab_ha.py (`make lab-ha`): do not edit. The HA page includes its sections. -->",
        f"<!-- inputs-sha256: {inputs_hash()} -->",
        f"<!-- figures: {json.dumps(figures, ensure_ascii=False, sort_keys=True)} -->",
    ]
    sections = {"summary": summary(lab.figures, total, stamp), **lab.t.sections}
    for name, body in sections.items():
        lines += ["", f"<!-- --8<-- [start:{name}] -->", "```text", *body, "```", f"<!-- --8<-- [end:{name}] -->"]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def haproxy_version() -> str:
    with contextlib.suppress(OSError):
        out = subprocess.run(["haproxy", "-v"], capture_output=True, text=True).stdout
        m = re.search(r"version (\S+)", out)
        if m:
            return f"HAProxy {m.group(1)}"
    return "HAProxy"


# --------------------------------------------------------------------------- commands


def prerequisites() -> None:
    if os.geteuid() != 0:
        raise LabError("the HA lab creates network namespaces and needs root: run `sudo make lab-ha`")
    tools.ensure(TOOLS, quiet=True)
    sbin_path = os.environ.get("PATH", "") + ":/usr/local/sbin:/usr/sbin:/sbin"
    if not shutil.which("haproxy", path=sbin_path):
        say("==> HAProxy is not installed: installing Debian's haproxy package with apt-get "
            "(the lab runs the page's haproxy.cfg with it)")
    tools.ensure(["haproxy"], quiet=True)
    for binary, package in (("openssl", "openssl"), ("unshare", "util-linux"), ("hostname", "hostname"), ("ss", "iproute2")):
        if shutil.which(binary, path=sbin_path):
            continue
        if not shutil.which("apt-get"):
            raise LabError(f"{binary} is missing: install the package {package}")
        say(f"==> {binary} is not installed: installing Debian's {package} package with apt-get")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        cmd = ["apt-get", "install", "-y", "--no-install-recommends", package]
        if subprocess.run(cmd, env=env, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True)
            if subprocess.run(cmd, env=env, capture_output=True).returncode != 0:
                raise LabError(f"apt-get could not install {package}; install it and run `make lab-ha` again")


def set_subreaper() -> None:
    """Become the parent of orphaned lab processes, so that no zombie outlives the lab."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def cmd_run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    topo = topology()
    prerequisites()
    other = another_run()
    if other:
        raise LabError(f"another HA lab is running (pid {other}); wait for it, or stop it and run "
                       "`scripts/lab_ha.py down`")
    if lab_namespaces() or state_dir().exists() or leftover_processes():
        say("==> a previous HA lab did not stop cleanly; removing what it left first")
        if cleanup():
            raise LabError("could not remove what a previous HA lab left; see above")
    set_subreaper()
    lab = Lab(topo)

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    ok = False
    try:
        lab.run()
        ok = True
    except LabError:
        show_logs(lab)
        raise
    finally:
        say("==> stopping every component and removing the network namespaces")
        lab.stop()
        if args.keep_logs:
            keep = pathlib.Path(args.keep_logs)
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(lab.dir / "logs", keep, dirs_exist_ok=True)
            say(f"==> kept the components' logs in {keep}")
        left = cleanup()
    total = time.monotonic() - started
    if left:
        raise LabError("the lab left something behind: " + "; ".join(left))
    if ok:
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        OUTPUT.write_text(render(lab, total, stamp), encoding="utf-8")
        say(f"==> wrote {rel(OUTPUT)}")
        say("==> HA lab passed")
        for line in summary(lab.figures, total, stamp):
            say(f"    {line}")
    return 0


def show_logs(lab: Lab) -> None:
    for comp in list(lab.components.values()):
        if not comp.log.exists():
            continue
        tail = comp.log.read_text(errors="replace").splitlines()[-8:]
        say(f"--- last lines of {comp.label} ({'running' if comp.popen.poll() is None else 'exited'})")
        for line in tail:
            say(f"    {line[:300]}")


def cmd_down(args: argparse.Namespace) -> int:
    if os.geteuid() != 0:
        raise LabError("removing network namespaces needs root: run `sudo scripts/lab_ha.py down`")
    other = another_run()
    if other:
        say(f"==> stopping the running HA lab (pid {other})")
        with contextlib.suppress(ProcessLookupError):
            os.kill(other, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while another_run() and time.monotonic() < deadline:
            time.sleep(0.5)
    set_subreaper()
    return 1 if cleanup() else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the lab (the default)")
    run.set_defaults(func=cmd_run)
    run.add_argument("--keep-logs", metavar="DIR", help="copy the components' logs to DIR before cleaning up")
    sub.add_parser("down", help="remove what an interrupted run left").set_defaults(func=cmd_down)
    args = parser.parse_args(argv)
    func = getattr(args, "func", cmd_run)
    if not hasattr(args, "keep_logs"):
        args.keep_logs = None
    return tools.run_command(lambda: func(args), LabError)


if __name__ == "__main__":
    sys.exit(main())
