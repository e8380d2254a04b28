"""The community repository's Debian packages (pkgs.k8s.io), built from the tools cache.

Two releases: the exam's (kubernetes.version, tools `kubernetes` and `kubernetes-node`) and the
one before it (kubernetes.previous_version, tool `kubernetes-previous`), so that a cluster can
start one minor behind and be upgraded with apt exactly as on the exam. Every release gets
kubeadm, kubelet and kubectl at `<version>-1.1`, plus cri-tools (crictl) and kubernetes-cni (the
CNI plugins) at their own upstream versions, with the names, dependencies and files of the
community packages (kubernetes/release, cmd/krel/templates/latest/*/*.spec):

    kubeadm         /usr/bin/kubeadm, /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf (no
                    dependencies since 1.32, as in the community's metadata.yaml)
    kubelet         /usr/bin/kubelet, /usr/lib/systemd/system/kubelet.service, /etc/default/kubelet
                    Depends: iptables (>= 1.4.21), kubernetes-cni (>= 1.2.0), mount, util-linux
    kubectl         /usr/bin/kubectl
    cri-tools       /usr/bin/crictl
    kubernetes-cni  /opt/cni/bin/*

Built packages are kept in `<cache>/nodes/packages/debs-<version>-<hash>/`, the hash taken over
what goes in (the tools' install stamps and binaries' sizes and times, the files below), so a
rebuilt tool or an edited file makes new packages and nothing else does.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

from ... import versions as pinned
from ...console import duration, say
from ...errors import ProjectError
from ...tools.install import STAMP, status
from ...tools.registry import Tool, registry
from . import config, debs, layout

FILES = config.FILES / "packages"
# Raise when what a package contains or declares changes without a change of its inputs.
RECIPE = 1
TOOLS = ("kubernetes", "kubernetes-node", "kubernetes-previous", "crictl", "cni-plugins")


def packages_dir() -> Path:
    return layout.nodes_dir() / "packages"


def minor_of(version: str) -> str:
    """v1.35.4 -> 1.35."""
    return ".".join(version.lstrip("v").split(".")[:2])


def releases(data: dict | None = None) -> dict[str, dict[str, str]]:
    """Kubernetes version -> {kubernetes binaries' tool for kubeadm/kubectl, the kubelet's tool}."""
    current = pinned.get("kubernetes", "version", data=data)
    previous = pinned.get("kubernetes", "previous_version", data=data)
    previous_minor = str(pinned.get("kubernetes", "previous_minor", data=data))
    if minor_of(previous) != previous_minor:
        raise ProjectError(f"versions.yaml: kubernetes.previous_version {previous} is not in "
                           f"kubernetes.previous_minor {previous_minor}; make them agree")
    return {
        previous: {"kubeadm": "kubernetes-previous", "kubelet": "kubernetes-previous"},
        current: {"kubeadm": "kubernetes", "kubelet": "kubernetes-node"},
    }


def _tools() -> dict[str, Tool]:
    found = {t.name: t for t in registry() if t.name in TOOLS}
    missing = [name for name in TOOLS if name not in found or status(found[name]) != "ok"]
    if missing:
        raise ProjectError(f"the Kubernetes packages need the tools {', '.join(missing)}: "
                           f"run `python -m cka.tools install {' '.join(missing)}` first")
    return found


def definitions(version: str, tools: dict[str, Tool]) -> list[debs.Deb]:
    """The five packages of one release, from the built tools."""
    source = releases()[version]
    admin, node = tools[source["kubeadm"]].dir, tools[source["kubelet"]].dir
    crictl, cni = tools["crictl"], tools["cni-plugins"]
    v = pinned.package_version(version)
    unit = "usr/lib/systemd/system"
    return [
        debs.Deb("kubeadm", v, "admin", "Command-line utility for administering a Kubernetes cluster",
                 files={"usr/bin/kubeadm": (admin / "kubeadm", 0o755),
                        f"{unit}/kubelet.service.d/10-kubeadm.conf": (FILES / "10-kubeadm.conf", 0o644)},
                 scripts={"postinst": FILES / "kubeadm.postinst"}),
        debs.Deb("kubelet", v, "net", "Node agent for Kubernetes clusters",
                 files={"usr/bin/kubelet": (node / "kubelet", 0o755),
                        f"{unit}/kubelet.service": (FILES / "kubelet.service", 0o644),
                        "etc/default/kubelet": (FILES / "kubelet.env", 0o644),
                        "var/lib/kubelet/.kubelet-keep": (b"", 0o644),
                        "etc/kubernetes/manifests/.kubelet-keep": (b"", 0o644)},
                 depends=("iptables (>= 1.4.21)", "kubernetes-cni (>= 1.2.0)", "mount", "util-linux"),
                 conffiles=("/etc/default/kubelet",),
                 scripts={"postinst": FILES / "kubelet.postinst", "postrm": FILES / "kubelet.postrm"}),
        debs.Deb("kubectl", v, "admin", "Command-line utility for interacting with a Kubernetes cluster",
                 files={"usr/bin/kubectl": (admin / "kubectl", 0o755)}),
        debs.Deb("cri-tools", pinned.package_version(crictl.version), "admin",
                 "Command-line utility for interacting with a container runtime",
                 files={"usr/bin/crictl": (crictl.dir / "crictl", 0o755)}),
        debs.Deb("kubernetes-cni", pinned.package_version(cni.version), "net",
                 "Binaries required to provision kubernetes container networking",
                 files={**{f"opt/cni/bin/{b}": (cni.dir / b, 0o755) for b in cni.binaries},
                        "etc/cni/net.d/.kubernetes-cni-keep": (b"", 0o644)}),
    ]


def recipe_hash(version: str, tools: dict[str, Tool], defs: list[debs.Deb]) -> str:
    h = hashlib.sha256(f"{version}|{pinned.PACKAGE_REVISION}|{RECIPE}".encode())
    used = sorted({*releases()[version].values(), "crictl", "cni-plugins"})
    for name in used:
        h.update((tools[name].dir / STAMP).read_bytes())
    h.update((Path(debs.__file__)).read_bytes())
    for deb in defs:
        h.update(repr((deb.name, deb.version, deb.depends, deb.recommends, deb.conffiles)).encode())
        for rel, (src, mode) in sorted(deb.files.items()):
            if isinstance(src, bytes):
                h.update(rel.encode() + src)
            elif src.is_relative_to(FILES):
                h.update(rel.encode() + src.read_bytes())
            else:  # a tool's binary: its stamp above, plus size and time of this copy
                st = src.stat()
                h.update(f"{rel}|{st.st_size}|{st.st_mtime_ns}|{mode}".encode())
        for name, script in sorted(deb.scripts.items()):
            h.update(name.encode() + script.read_bytes())
    return h.hexdigest()[:12]


def ensure_release(version: str, tools: dict[str, Tool] | None = None) -> Path:
    """The directory holding one release's five .deb files, built once and kept in the cache."""
    tools = tools or _tools()
    defs = definitions(version, tools)
    out = packages_dir() / f"debs-{version}-{recipe_hash(version, tools, defs)}"
    if (out / ".cka-ready").exists():
        return out
    packages_dir().mkdir(parents=True, exist_ok=True)
    for old in packages_dir().glob(f"debs-{version}-*"):
        shutil.rmtree(old, ignore_errors=True)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    say(f"==> building the Debian packages of Kubernetes {version} (kubeadm, kubelet, kubectl, cri-tools, "
        "kubernetes-cni; first time only, ~1 min)")
    started = time.monotonic()
    for deb in defs:
        path = debs.build(deb, tmp / "stage", tmp)
        say(f"    {path.name} ({path.stat().st_size / 2**20:.1f} MiB)")
    shutil.rmtree(tmp / "stage", ignore_errors=True)
    (tmp / ".cka-ready").write_text(json.dumps({d.name: d.version for d in defs}))
    tmp.rename(out)
    say(f"    done in {duration(time.monotonic() - started)}")
    return out


def ensure_all() -> dict[str, Path]:
    """Kubernetes version -> its packages' directory, for every release of releases()."""
    tools = _tools()
    return {version: ensure_release(version, tools) for version in releases()}
