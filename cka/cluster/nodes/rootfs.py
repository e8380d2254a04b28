"""The nodes' shared root filesystem: Debian (debootstrap --variant=minbase) with systemd,
containerd's runtime runc, iptables and the usual node tools, plus the runtime's systemd units
and configuration. Every node mounts it read-only as the lower layer of an overlay of its own.

The Kubernetes, containerd, CNI and crictl binaries are not copied in: each node bind-mounts
them read-only from the tools cache, so a new tool version needs no new root filesystem.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from ...console import duration, say
from ...errors import ProjectError
from . import config, layout

SUITE = "bookworm"
# systemd as PID 1, the node tools kubeadm's preflight looks for, runc for containerd, curl as on
# the exam's nodes, and what the workload images take from Debian (cka.cluster.nodes.images):
# nginx-light, curl and bind9-dnsutils; kube-proxy's image takes iptables and conntrack from here.
PACKAGES = (
    "systemd", "dbus", "iproute2", "iptables", "conntrack", "runc", "socat", "ethtool", "kmod",
    "procps", "iputils-ping", "less", "curl", "ca-certificates", "nginx-light", "bind9-dnsutils",
)
DEFAULT_MIRROR = "http://deb.debian.org/debian"
# Files of files/ copied into the root filesystem: source -> path in the root filesystem, mode.
STATIC_FILES = {
    "containerd.service": ("etc/systemd/system/containerd.service", 0o644),
    "kubelet.service": ("etc/systemd/system/kubelet.service", 0o644),
    "sysctl.conf": ("etc/sysctl.d/90-cka-node.conf", 0o644),
    "crictl.yaml": ("etc/crictl.yaml", 0o644),
}
ENABLED = ("containerd.service", "kubelet.service")
# Units that make no sense in a node without a console or udev.
MASKED = ("console-getty.service", "getty@tty1.service", "systemd-udevd.service", "systemd-udev-trigger.service",
          "systemd-resolved.service", "apt-daily.timer", "apt-daily-upgrade.timer", "e2scrub_all.timer",
          "fstrim.timer", "systemd-timesyncd.service",
          # Installed only for the nginx image: no node serves port 80 itself.
          "nginx.service")


# Raise when customize() changes what it writes.
REVISION = 1


def recipe() -> str:
    h = hashlib.sha256()
    h.update(f"{SUITE}|{sorted(PACKAGES)}|{sorted(MASKED)}|{ENABLED}|{REVISION}".encode())
    for name in sorted(STATIC_FILES):
        h.update((config.FILES / name).read_bytes())
    return h.hexdigest()[:12]


def remove_tree(path: Path) -> None:
    """rmtree that first unmounts what debootstrap may have left mounted inside (proc, sys)."""
    if not path.exists():
        return
    for point in config.mounts_under(Path("/proc/self/mountinfo").read_text(), path):
        if subprocess.run(["umount", point], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", point], capture_output=True)
    if config.mounts_under(Path("/proc/self/mountinfo").read_text(), path):
        raise ProjectError(f"cannot unmount what is mounted under {path}")
    shutil.rmtree(path, ignore_errors=True)


def path() -> Path:
    return layout.nodes_dir() / f"rootfs-{SUITE}-{recipe()}"


def mirror() -> str:
    """The host's Debian mirror (its apt sources), so the nodes come from the same place."""
    for source in [Path("/etc/apt/sources.list.d/debian.sources"), Path("/etc/apt/sources.list")]:
        if not source.exists():
            continue
        text = source.read_text(errors="replace")
        for m in re.finditer(r"(?:URIs:|^deb)\s+(?:\[[^\]]*\]\s+)?(\S+/debian)/?\s", text, re.M):
            return m.group(1)
    return DEFAULT_MIRROR


def ensure() -> Path:
    """The root filesystem, built once (about 40 s, 400 MB) and kept in the cache."""
    root = path()
    if (root / ".cka-ready").exists():
        return root
    if not shutil.which("debootstrap"):
        raise ProjectError("debootstrap is not installed")
    layout.nodes_dir().mkdir(parents=True, exist_ok=True)
    for old in layout.nodes_dir().glob(f"rootfs-{SUITE}-*"):
        say(f"    removing the outdated root filesystem {old.name}")
        remove_tree(old)
    tmp = root.with_name(root.name + ".tmp")
    remove_tree(tmp)
    say(f"==> building the nodes' root filesystem: Debian {SUITE} with systemd, runc, iptables (first time only, ~1 min)")
    started = time.monotonic()
    proc = subprocess.run(
        ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(tmp), mirror()],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.strip().splitlines()[-10:])
        remove_tree(tmp)
        raise ProjectError(f"debootstrap failed:\n{tail}")
    customize(tmp)
    (tmp / ".cka-ready").write_text(recipe())
    os.rename(tmp, root)
    say(f"    done in {duration(time.monotonic() - started)}")
    return root


def customize(root: Path) -> None:
    for name, (dest, mode) in STATIC_FILES.items():
        target = root / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(config.FILES / name, target)
        target.chmod(mode)
    wants = root / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True, exist_ok=True)
    for unit in ENABLED:
        link = wants / unit
        if not link.is_symlink():
            link.symlink_to(f"/etc/systemd/system/{unit}")
    for unit in MASKED:
        link = root / "etc/systemd/system" / unit
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to("/dev/null")
    # Mount points for what each node bind-mounts (binaries, state, images).
    for d in ("var/lib/containerd", "var/lib/kubelet", "opt/cni/bin", "opt/cka/images", "etc/cni/net.d",
              "etc/kubernetes/manifests", "etc/kubeadm", "etc/containerd"):
        (root / d).mkdir(parents=True, exist_ok=True)
    # Each node writes its own machine-id; an empty file tells systemd not to make one persist.
    (root / "etc/machine-id").write_text("")
    shutil.rmtree(root / "var/cache/apt/archives", ignore_errors=True)
    (root / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)
