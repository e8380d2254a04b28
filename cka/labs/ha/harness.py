"""The HA lab's harness: network namespaces, processes and their logs, a supervisor that restarts
what dies unexpectedly, the clients (etcdctl, kubectl) the scenario uses, and the cleanup."""

from __future__ import annotations

import contextlib
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

from ...cache import bin_dir
from .common import (
    ETCD_KEY,
    HAPROXY_CFG,
    HAPROXY_STATE,
    LAB_SH,
    PORTS,
    PREFIX,
    LabError,
    Topology,
    rel,
    say,
    state_dir,
    versions,
)


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


class Harness:
    """The lab's machinery: network namespaces, processes and their logs, a supervisor that restarts
    what dies unexpectedly, and the clients (etcdctl, kubectl) that the scenario's steps use."""

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
            PATH=f"{bin_dir()}{os.pathsep}{os.environ.get('PATH', '')}{os.pathsep}{sbin}",
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
        """Run etcdctl or kubectl on the client node (snippets/cluster-architecture/high-availability-lab.sh client)."""
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
                               f"run `{sys.executable} -m cka.labs.ha down` and try again")

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

    def add_request(self, start: float, sent: float, done: float, ok: bool, text: str) -> None:
        self.t.add(f"+{sent - start:6.2f}s  {'ok    ' if ok else 'FAILED'} {done - sent:5.2f}s  {text}")

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


