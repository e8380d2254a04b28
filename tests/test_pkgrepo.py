"""The nodes' package repository (cka.cluster.nodes: packages, debs, aptrepo, pkgserver, pkgrepo).

The small tests build a tiny package, a signed repository and an HTTPS server in a temporary
directory. The last one runs the exam's apt commands in a chroot of a copy of the nodes' root
filesystem; it needs root and the built tools, and says which are missing when it skips.
"""

from __future__ import annotations

import gzip
import os
import shutil
import socket
import ssl
import subprocess

import pytest

from cka import versions
from cka.cluster.nodes import aptrepo, debs, packages, pkgcheck, pkgrepo, pkgserver, rootfs
from cka.errors import ProjectError
from cka.tools.install import select, status
from cka.tools.registry import registry

needs_dpkg = pytest.mark.skipif(not shutil.which("dpkg-deb"), reason="dpkg-deb is not installed (apt-get install dpkg)")
needs_gpg = pytest.mark.skipif(not (shutil.which("gpg") and shutil.which("gpgv")),
                               reason="gpg is not installed (apt-get install gpg)")


def test_versions_and_tool():
    previous = versions.get("kubernetes", "previous_version")
    assert packages.minor_of(previous) == versions.get("kubernetes", "previous_minor")
    assert versions.get("kubernetes", "previous_staging") == "v0." + previous.split(".", 1)[1]
    assert versions.package_version("v1.35.4") == "1.35.4-1.1"
    assert list(packages.releases()) == [previous, versions.kubernetes()]
    with pytest.raises(ProjectError, match="release version"):
        versions.package_version("latest")
    tool = next(t for t in registry() if t.name == "kubernetes-previous")
    assert tool.optional and not tool.on_path and tool.version == previous
    assert {"kubeadm", "kubelet", "kube-proxy", "kube-apiserver"} <= set(tool.binaries)
    # A binary's name picks the exam's release, never the previous one.
    assert [t.name for t in select(registry(), ["kubeadm"])] == ["kubernetes"]


def test_releases_reject_a_previous_version_outside_its_minor():
    data = {"kubernetes": {"version": "v1.35.4", "previous_version": "v1.33.1", "previous_minor": "1.34"}}
    with pytest.raises(ProjectError, match="previous_minor"):
        packages.releases(data)


def tiny_deb(version="1.0.0-1.1"):
    return debs.Deb("kubectl", version, "admin", "Command-line utility for interacting with a Kubernetes cluster",
                    files={"usr/bin/kubectl": (b"#!/bin/sh\necho hello\n", 0o755)},
                    depends=("mount",), conffiles=())


@needs_dpkg
def test_deb_is_deterministic_and_has_the_community_fields(tmp_path):
    first = debs.build(tiny_deb(), tmp_path / "s", tmp_path / "a")
    second = debs.build(tiny_deb(), tmp_path / "s", tmp_path / "b")
    assert first.name == "kubectl_1.0.0-1.1_amd64.deb"
    assert first.read_bytes() == second.read_bytes()
    fields = debs.fields(first)
    for line in ("Package: kubectl", "Version: 1.0.0-1.1", "Architecture: amd64", "Depends: mount",
                 "Maintainer: Kubernetes Authors <dev@kubernetes.io>", "Section: admin"):
        assert line in fields.splitlines()
    listing = subprocess.run(["dpkg-deb", "-c", str(first)], capture_output=True, text=True).stdout
    assert "root/root" in listing and "2026-01-01 00:00 ./usr/bin/kubectl" in listing


def test_missing_binary_names_the_tool(tmp_path):
    deb = debs.Deb("kubeadm", "1.0.0-1.1", "admin", "x", files={"usr/bin/kubeadm": (tmp_path / "none", 0o755)})
    with pytest.raises(ProjectError, match="cka.tools install"):
        debs.build(deb, tmp_path / "s", tmp_path / "o")


@needs_dpkg
@needs_gpg
def test_signed_repository_and_https_server(tmp_path):
    deb = debs.build(tiny_deb(), tmp_path / "s", tmp_path / "debs")
    home = tmp_path / "gnupg"
    repo = aptrepo.write_repository(tmp_path / "root", "1.35", [deb], home)
    assert repo == tmp_path / "root" / "core:" / "stable:" / "v1.35" / "deb"
    packages_text = (repo / "Packages").read_text()
    assert "Filename: amd64/kubectl_1.0.0-1.1_amd64.deb" in packages_text
    assert gzip.decompress((repo / "Packages.gz").read_bytes()).decode() == packages_text
    release = (repo / "Release").read_text()
    assert "Label: isv:kubernetes:core:stable:v1.35" in release and " Packages.gz" in release
    # apt's own check: gpgv with the dearmored public key.
    keyring = tmp_path / "keyring.gpg"
    keyring.write_bytes(aptrepo.public_key(home, armor=False))
    for args in (["InRelease"], ["Release.gpg", "Release"]):
        proc = subprocess.run(["gpgv", "--keyring", str(keyring), *args], cwd=repo, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    assert (repo / "Release.key").read_text().startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")

    tls = pkgserver.ensure_tls(tmp_path / "tls")
    server = pkgserver.serve_in_thread(tmp_path / "root", "127.0.0.1", 0, tls)
    try:
        port = server.server_address[1]
        context = ssl.create_default_context(cafile=str(tls["ca.crt"]))
        # The certificate is for pkgs.k8s.io: connect by address, check the name the nodes use.
        conn = context.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="pkgs.k8s.io")
        conn.sendall(b"GET /core:/stable:/v1.35/deb/Release.key HTTP/1.0\r\nHost: pkgs.k8s.io\r\n\r\n")
        body = b""
        while chunk := conn.recv(65536):
            body += chunk
        conn.close()
        assert body.startswith(b"HTTP/1.0 200") and b"BEGIN PGP PUBLIC KEY BLOCK" in body
    finally:
        server.shutdown()
        server.server_close()


def test_exam_script_uses_the_exam_commands():
    script = pkgcheck.exam_script("v1.34.4", "v1.35.4")
    assert "curl -fsSL https://pkgs.k8s.io/core:/stable:/v1.34/deb/Release.key | gpg --dearmor -o " \
           "/etc/apt/keyrings/kubernetes-apt-keyring.gpg" in script
    assert "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.34/deb/ /" \
        in script
    assert "apt-mark unhold kubeadm && apt-get install -y kubeadm=1.35.4-1.1 && apt-mark hold kubeadm" in script


def _tools_missing() -> str:
    tools = {t.name: t for t in registry()}
    missing = [n for n in packages.TOOLS if status(tools[n]) != "ok"]
    return f"tools not built: python -m cka.tools install {' '.join(missing)}" if missing else ""


def _skip_reason() -> str:
    if os.geteuid() != 0:
        return "needs root (unshare, mount, chroot)"
    if _tools_missing():
        return _tools_missing()
    if not (rootfs.path() / ".cka-ready").exists():
        return "the nodes' root filesystem is not built (the kubeadm runtime builds it on its first start)"
    for cmd in ("unshare", "chroot", "dpkg-deb", "gpg", "openssl", "ip"):
        if not shutil.which(cmd):
            return f"{cmd} is not installed"
    return ""


@pytest.mark.skipif(bool(_skip_reason()), reason=_skip_reason() or "ready")
def test_exam_upgrade_in_a_chroot():
    previous, current = versions.get("kubernetes", "previous_version"), versions.kubernetes()
    out = pkgcheck.run()
    lines = out.splitlines()
    for version in (previous, current):  # apt-cache madison, before and after the source's switch
        url = pkgrepo.url(packages.minor_of(version)).rstrip("/")
        assert f"   kubeadm | {versions.package_version(version)} | {url}  Packages" in lines
    assert lines.count(previous) == 1 and lines.count(current) == 1  # kubeadm version -o short, before and after
    assert f"Kubernetes {current}" in lines  # kubelet --version
    assert {"kubeadm", "kubectl", "kubelet"} <= set(lines)  # apt-mark showhold


@pytest.mark.skipif(bool(_tools_missing()), reason=_tools_missing() or "ready")
def test_spawned_server_and_node_setup(tmp_path):
    """What a cluster start calls: the server as a process of its own, and a node's files."""
    pkgrepo.ensure()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pid = pkgserver.spawn("127.0.0.1", port, tmp_path / "server.log")
    try:
        ca = pkgserver.ensure_tls(pkgrepo.tls_dir())["ca.crt"]
        proc = subprocess.run(["curl", "-fsS", "--cacert", str(ca), "--resolve", f"pkgs.k8s.io:{port}:127.0.0.1",
                               f"https://pkgs.k8s.io:{port}/core:/stable:/v{versions.get('kubernetes', 'minor')}/deb/InRelease"],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("-----BEGIN PGP SIGNED MESSAGE-----") and " Packages.gz\n" in proc.stdout
    finally:
        pkgserver.stop(pid)
    setup = pkgrepo.node_setup("1.34", server_ip="172.31.250.254")
    assert setup.hosts_line == "172.31.250.254 pkgs.k8s.io"
    assert setup.files[pkgrepo.SOURCE_LIST][0].decode() == \
        "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.34/deb/ /\n"
    assert setup.files[pkgrepo.KEYRING][0][:1] != b"-"  # binary (dearmored), as `gpg --dearmor` writes it
    assert setup.files["/etc/apt/sources.list"][0].startswith(b"#")  # no Debian source
    assert ["update-ca-certificates"] in setup.commands


def test_definitions_mirror_the_community_packages(monkeypatch, tmp_path):
    fake = {n: type("T", (), {"dir": tmp_path / n, "version": "v1.2.3", "binaries": ("bridge",)})() for n in packages.TOOLS}
    defs = {d.name: d for d in packages.definitions(versions.kubernetes(), fake)}
    assert set(defs) == {"kubeadm", "kubelet", "kubectl", "cri-tools", "kubernetes-cni"}
    assert defs["kubeadm"].depends == ()
    assert defs["kubelet"].depends == ("iptables (>= 1.4.21)", "kubernetes-cni (>= 1.2.0)", "mount", "util-linux")
    assert "usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf" in defs["kubeadm"].files
    assert {"usr/bin/kubelet", "usr/lib/systemd/system/kubelet.service", "etc/default/kubelet"} <= set(defs["kubelet"].files)
    assert defs["kubelet"].conffiles == ("/etc/default/kubelet",)
    assert defs["cri-tools"].version == "1.2.3-1.1" and "usr/bin/crictl" in defs["cri-tools"].files
    assert "opt/cni/bin/bridge" in defs["kubernetes-cni"].files
    dropin = (packages.FILES / "10-kubeadm.conf").read_text()
    assert "EnvironmentFile=-/etc/default/kubelet" in dropin and "ExecStart=\nExecStart=/usr/bin/kubelet " in dropin
