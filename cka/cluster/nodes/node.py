"""One node: a systemd-nspawn machine with systemd as PID 1 on an overlay of the shared root
filesystem, in cgroups of its own, running containerd and the kubelet.

What a node needs on these machines (cgroup v1, no systemd on the host):
  --register=no --keep-unit      there is no host systemd to register with or to make a scope
  per-node cgroups               the launcher moves itself into <hierarchy>/cka-kubeadm/<node> of every
                                 hierarchy first, so the nodes' kubepods cgroups do not collide
  files/cka-init as PID 1        remounts the cgroup controllers read-write, then execs systemd
  --system-call-filter=@keyring  runc joins a session keyring
  --private-network              /proc/sys/net is the node's own and writable; eth0 is plugged in later
  --capability=all               containerd and runc set up containers as on a real machine
  files/cka-init binds files over the /proc/sys entries the kubelet checks (they are global to the
  machine: the node sees the values the kubelet wants, the host is not changed); /dev/kmsg read-only
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

from ...cache import bin_dir
from ...errors import ProjectError
from . import config, layout

CGROUP_ROOT = Path("/sys/fs/cgroup")
NODE_BINARIES = ("containerd", "containerd-shim-runc-v2", "ctr", "kubelet", "kubeadm", "kubectl", "crictl")
# What the packages of pkgs.k8s.io bring instead when the cluster starts one minor behind (the
# upgrade exercise): kubelet, kubeadm, kubectl, cri-tools and kubernetes-cni (/opt/cni/bin).
PACKAGED_BINARIES = ("kubelet", "kubeadm", "kubectl", "crictl")
CNI_PLUGINS = ("bridge", "loopback", "host-local", "portmap")
# What the kubelet checks or sets at start; the values it wants (kubelet's setupKernelTunables).
KUBELET_SYSCTLS = {
    "vm/overcommit_memory": "1",
    "vm/panic_on_oom": "0",
    "kernel/panic": "10",
    "kernel/panic_on_oops": "1",
    "kernel/keys/root_maxkeys": "1000000",
    "kernel/keys/root_maxbytes": "25000000",
}
NODE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


# --------------------------------------------------------------------------- cgroups


def hierarchies(mounts: str | None = None) -> list[Path]:
    """The mounted cgroup hierarchies (v1 controllers, name=systemd, and the v2 mount)."""
    text = mounts if mounts is not None else Path("/proc/self/mounts").read_text()
    found = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2] in ("cgroup", "cgroup2") and fields[1].startswith(str(CGROUP_ROOT)):
            found.append(Path(fields[1]))
    return found


def cgroup_dirs(node: str | None = None) -> list[Path]:
    base = [h / layout.CGROUP for h in hierarchies()]
    return [b / node for b in base] if node else base


def make_cgroups(node: str) -> None:
    for h in hierarchies():
        for d in (h / layout.CGROUP, h / layout.CGROUP / node):
            d.mkdir(exist_ok=True)
            if h.name == "cpuset":  # a new cpuset has no CPUs or memory nodes until told
                for f in ("cpuset.cpus", "cpuset.mems"):
                    if not (d / f).read_text().strip():
                        (d / f).write_text((d.parent / f).read_text())


def join_cgroups(node: str):
    """A preexec_fn: move the launcher into the node's cgroups before it execs systemd-nspawn."""
    dirs = [d / "cgroup.procs" for d in cgroup_dirs(node)]

    def join():
        pid = str(os.getpid())
        for procs in dirs:
            with open(procs, "w") as fh:
                fh.write(pid)
    return join


def cgroup_pids() -> set[int]:
    pids = set()
    for top in cgroup_dirs():
        if not top.is_dir():
            continue
        for dirpath, _, files in os.walk(top):
            if "cgroup.procs" in files:
                try:
                    pids |= {int(p) for p in (Path(dirpath) / "cgroup.procs").read_text().split()}
                except OSError:
                    pass
    return pids


def remove_cgroups() -> list[str]:
    dirs = []
    for top in cgroup_dirs():
        if top.is_dir():
            dirs += [dirpath for dirpath, _, _ in os.walk(top)]
    left = []
    for d in config.cgroup_dirs_bottom_up(dirs):
        try:
            os.rmdir(d)
        except OSError:
            left.append(d)
    if left:
        raise ProjectError(f"cannot remove {len(left)} cgroups, first {left[0]}: processes are still in them")
    return [f"cgroups {layout.CGROUP}/ in {len(hierarchies())} hierarchies"] if dirs else []


# --------------------------------------------------------------------------- the machine


def prepare(node: str, root: Path, images: Path, pause_image: str, extra_files: dict[str, str],
            binary_files: dict[str, tuple[bytes, int]] | None = None, packaged: bool = False) -> Path:
    """The node's overlay root, mounted, with its own identity and configuration files. packaged:
    the Kubernetes binaries come from packages (installed later), so the root's own kubelet unit,
    which runs the bind-mounted kubelet, goes away and the package's unit takes its place."""
    d = layout.node_dir(node)
    for sub in ("upper", "work", "root", "containerd", "kubelet"):
        (d / sub).mkdir(parents=True, exist_ok=True)
    merged = d / "root"
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                    f"lowerdir={root},upperdir={d / 'upper'},workdir={d / 'work'}", str(merged)],
                   check=True, capture_output=True)
    files = {
        "etc/hostname": node + "\n",
        "etc/hosts": config.hosts_file(node),
        "etc/machine-id": uuid.uuid4().hex + "\n",
        # No DNS server outside: the bridge's address answers nothing (CoreDNS forwards there).
        "etc/resolv.conf": f"nameserver {layout.GATEWAY}\n",
        "etc/containerd/config.toml": config.containerd_config(pause_image),
        "etc/cni/net.d/10-cka.conflist": config.cni_config(node),
        **extra_files,
    }
    for rel, text in files.items():
        target = merged / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():
            target.unlink()
        target.write_text(text)
    for rel, (data, mode) in (binary_files or {}).items():
        target = merged / rel.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(mode)
    if packaged:
        for rel in ("etc/systemd/system/kubelet.service", "etc/systemd/system/multi-user.target.wants/kubelet.service"):
            (merged / rel).unlink(missing_ok=True)
    for name, value in KUBELET_SYSCTLS.items():
        (merged / "etc/cka/sysctl").mkdir(parents=True, exist_ok=True)
        (merged / "etc/cka/sysctl" / name.replace("/", ".")).write_text(value + "\n")
    init = merged / "usr/local/sbin/cka-init"
    init.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(config.FILES / "cka-init", init)
    init.chmod(0o755)
    (merged / "usr/lib/modules").mkdir(parents=True, exist_ok=True)  # kube-proxy mounts /lib/modules
    return merged


def nspawn_command(node: str, merged: Path, images: Path, packaged: bool = False) -> list[str]:
    d = layout.node_dir(node)
    cmd = [
        "systemd-nspawn", "--quiet", "--register=no", "--keep-unit", f"--machine={layout.machine(node)}",
        f"--hostname={node}",
        "-D", str(merged), "--private-network", "--system-call-filter=@keyring", "--capability=all",
        "--kill-signal=SIGRTMIN+3", "--resolv-conf=off", "--timezone=off", "--link-journal=no",
        "--console=read-only",
        f"--bind={d / 'containerd'}:/var/lib/containerd", f"--bind={d / 'kubelet'}:/var/lib/kubelet",
        f"--bind-ro={images}:/opt/cka/images", "--bind-ro=/dev/kmsg",
    ]
    for b in NODE_BINARIES:
        if not (packaged and b in PACKAGED_BINARIES):
            cmd.append(f"--bind-ro={os.path.realpath(bin_dir() / b)}:/usr/local/bin/{b}")
    for p in CNI_PLUGINS if not packaged else ():
        cmd.append(f"--bind-ro={os.path.realpath(bin_dir() / p)}:/opt/cni/bin/{p}")
    return cmd + ["/usr/local/sbin/cka-init"]


def start(node: str, merged: Path, images: Path, packaged: bool = False) -> int:
    """Start the machine; return the PID of systemd-nspawn."""
    make_cgroups(node)
    log = open(layout.node_dir(node) / "console.log", "ab")
    proc = subprocess.Popen(nspawn_command(node, merged, images, packaged), stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, preexec_fn=join_cgroups(node), start_new_session=True)
    (layout.node_dir(node) / "nspawn.pid").write_text(str(proc.pid))
    return proc.pid


def leader(node: str) -> int | None:
    """The PID (on the host) of the node's PID 1: init of its own PID namespace, in its cgroup."""
    marker = re.compile(rf"/{re.escape(layout.CGROUP)}/{re.escape(node)}(/|$)", re.M)
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = (proc / "status").read_text()
            m = re.search(r"^NSpid:\s+(.*)$", status, re.M)
            # Exactly two levels, the host's and the node's: a container's PID 1 in the node
            # (three levels) lives in the node's cgroup too.
            if not m or m.group(1).split()[-1] != "1" or len(m.group(1).split()) != 2:
                continue
            if marker.search((proc / "cgroup").read_text()):
                return int(proc.name)
        except OSError:
            continue
    return None


def own_network(pid: int) -> bool:
    """The process is in a network namespace other than the host's (this process's)."""
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino != os.stat("/proc/self/ns/net").st_ino
    except OSError:
        return False


def booted(pid: int) -> bool:
    """PID 1 of the node is systemd (files/cka-init has exec'd it): its namespaces are final."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == "systemd" and own_network(pid)
    except OSError:
        return False


def wait_for_leader(node: str, nspawn_pid: int, timeout: float = 30) -> int:
    """The node's PID 1 once it runs systemd in the node's own namespaces."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = leader(node)
        if pid and booted(pid):
            return pid
        if not Path(f"/proc/{nspawn_pid}").exists() or _zombie(nspawn_pid):
            raise ProjectError(f"{node}: systemd-nspawn exited; see {layout.node_dir(node) / 'console.log'}:\n"
                               + console_tail(node))
        time.sleep(0.1)
    raise ProjectError(f"{node}: no PID 1 within {timeout:.0f} s; see {layout.node_dir(node) / 'console.log'}")


def _zombie(pid: int) -> bool:
    try:
        return " Z " in Path(f"/proc/{pid}/stat").read_text().split(")", 1)[1][:4]
    except OSError:
        return True


def console_tail(node: str, lines: int = 15) -> str:
    try:
        text = (layout.node_dir(node) / "console.log").read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


def exec_command(node: str, command: list[str]) -> list[str]:
    """The host command that runs `command` inside the node (all of its namespaces)."""
    pid = leader(node)
    if not pid:
        raise ProjectError(f"node {node} is not running")
    env = ["env", "-i", f"PATH={NODE_PATH}", "HOME=/root", f"TERM={os.environ.get('TERM', 'xterm')}",
           "CONTAINER_RUNTIME_ENDPOINT=unix:///run/containerd/containerd.sock"]
    if node == layout.CONTROL_PLANE:
        env.append("KUBECONFIG=/etc/kubernetes/admin.conf")
    return ["nsenter", "-t", str(pid), "-a", "--", *env, *command]


def run(node: str, command: list[str], *, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(exec_command(node, command), capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise ProjectError(f"{node}: `{' '.join(command)}` failed (exit {proc.returncode}): "
                           f"{(proc.stderr or proc.stdout).strip()[-1500:]}")
    return proc


def wait_active(node: str, unit: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if run(node, ["systemctl", "is-active", "--quiet", unit], check=False, timeout=10).returncode == 0:
            return
        time.sleep(0.3)
    status = run(node, ["systemctl", "status", "--no-pager", "-l", unit], check=False).stdout
    raise ProjectError(f"{node}: {unit} is not active after {timeout:.0f} s:\n{status[-1500:]}")


def stop(node: str, timeout: float = 5) -> bool:
    """Power the machine off (systemd-nspawn sends SIGRTMIN+3 to its PID 1); kill it if it hangs."""
    pidfile = layout.node_dir(node) / "nspawn.pid"
    pid = int(pidfile.read_text()) if pidfile.exists() else None
    if pid and not _alive(pid):
        pid = None
    init = leader(node)
    if not pid and not init:
        return False
    if pid:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and ((pid and _alive(pid)) or leader(node)):
        time.sleep(0.2)
    init = leader(node)
    if init:
        _signal(init, signal.SIGKILL)  # the kernel ends every process of the node's PID namespace with it
    deadline = time.monotonic() + 5
    while pid and _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if pid and _alive(pid):
        _signal(pid, signal.SIGKILL)
    return True


NSPAWN_RUN = Path("/run/systemd/nspawn")


def remove_nspawn_leftovers() -> list[str]:
    """systemd-nspawn keeps a directory per machine under /run/systemd/nspawn/propagate and will not
    delete it where /run is no tmpfs: remove the nodes' ones (empty directories only) and the empty
    parents it made."""
    removed = []
    for name in layout.NODES:
        top = NSPAWN_RUN / "propagate" / layout.machine(name)
        if not top.is_dir():
            continue
        for dirpath, _, _ in sorted(os.walk(top), key=lambda w: -w[0].count("/")):
            try:
                os.rmdir(dirpath)
            except OSError:
                pass
        if not top.exists():
            removed.append(str(top))
    for d in (NSPAWN_RUN / "propagate", NSPAWN_RUN / "locks", NSPAWN_RUN):
        try:
            os.rmdir(d)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and not _zombie(pid)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
