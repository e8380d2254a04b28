"""The nodes' own pkgs.k8s.io: the repositories of both releases, their server, a node's files.

    python -m cka.cluster.nodes.pkgrepo build                  build tools, packages and repositories
    python -m cka.cluster.nodes.pkgrepo serve [--host --port]  serve them over HTTPS (foreground)

For a cluster: ensure(install_tools=True) (built once, cached), pkgserver.spawn(HOST, 443, log) after the nodes'
network exists, and node_setup(minor) for the files each node needs to reach it.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ...console import duration, say
from ...errors import ProjectError, run_command
from ...tools import install
from . import aptrepo, layout, packages, pkgserver

KEYRING = "/etc/apt/keyrings/kubernetes-apt-keyring.gpg"
SOURCE_LIST = "/etc/apt/sources.list.d/kubernetes.list"
CA_FILE = "/usr/local/share/ca-certificates/cka-guide-pkgs-k8s-io.crt"


def gnupg_home() -> Path:
    return packages.packages_dir() / "gnupg"


def tls_dir() -> Path:
    return packages.packages_dir() / "tls"


def url(minor: str) -> str:
    return f"https://{pkgserver.HOSTNAME}/{aptrepo.repo_path(minor)}/"


def ensure(install_tools: bool = False) -> Path:
    """The server's root, holding core:/stable:/v<minor>/deb/ for every release; built once.
    With install_tools, first builds the tools the packages take their binaries from."""
    started = time.monotonic()
    if install_tools:
        install.ensure(list(packages.TOOLS), quiet=True)
    by_version = packages.ensure_all()
    fpr = aptrepo.ensure_key(gnupg_home())
    h = hashlib.sha256(f"{sorted((v, p.name) for v, p in by_version.items())}|{fpr}".encode())
    h.update(Path(aptrepo.__file__).read_bytes())
    root = packages.packages_dir() / f"repo-{h.hexdigest()[:12]}"
    if (root / ".cka-ready").exists():
        return root
    for old in packages.packages_dir().glob("repo-*"):
        shutil.rmtree(old, ignore_errors=True)
    tmp = root.with_name(root.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    for version, debs_dir in by_version.items():
        minor = packages.minor_of(version)
        say(f"==> writing the signed repository {aptrepo.repo_path(minor)}/")
        aptrepo.write_repository(tmp, minor, sorted(debs_dir.glob("*.deb")), gnupg_home())
    (tmp / ".cka-ready").write_text("")
    tmp.rename(root)
    say(f"    package repositories ready in {root} ({duration(time.monotonic() - started)})")
    return root


@dataclass
class NodeSetup:
    """What a node needs to use the repository: files (path -> content, mode), a line for
    /etc/hosts, and commands to run in the node once the files are in place."""

    files: dict[str, tuple[bytes, int]] = field(default_factory=dict)
    hosts_line: str = ""
    commands: list[list[str]] = field(default_factory=list)


def dearmored_key() -> bytes:
    """The public key as `gpg --dearmor` writes it (what the exam's keyring file holds)."""
    armored = aptrepo.public_key(gnupg_home())
    proc = subprocess.run(["gpg", "--dearmor"], input=armored, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise ProjectError(f"gpg --dearmor failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def node_setup(minor: str | None = None, server_ip: str = layout.HOST_IP) -> NodeSetup:
    """Trust of the local CA, pkgs.k8s.io -> server_ip, no Debian source (the nodes depend only on
    this repository); with a minor, also the keyring and the source line the exam's commands would
    have written for that minor (leave it out to let the learner write them)."""
    tls = pkgserver.ensure_tls(tls_dir())
    setup = NodeSetup(hosts_line=f"{server_ip} {pkgserver.HOSTNAME}", commands=[["update-ca-certificates"]])
    setup.files[CA_FILE] = (tls["ca.crt"].read_bytes(), 0o644)
    setup.files["/etc/apt/sources.list"] = (b"# Kubernetes packages come from pkgs.k8s.io (sources.list.d); "
                                            b"this node reaches no Debian mirror.\n", 0o644)
    if minor:
        setup.files[KEYRING] = (dearmored_key(), 0o644)
        setup.files[SOURCE_LIST] = (f"deb [signed-by={KEYRING}] {url(minor)} /\n".encode(), 0o644)
    return setup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cka.cluster.nodes.pkgrepo", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="build the packages and the signed repositories")
    serve = sub.add_parser("serve", help="serve the repositories over HTTPS until interrupted")
    serve.add_argument("--host", default=layout.HOST_IP, help=f"address to listen on (default {layout.HOST_IP})")
    serve.add_argument("--port", type=int, default=443)
    args = parser.parse_args(argv)

    def command() -> int:
        root = ensure(install_tools=args.command == "build")
        if args.command == "build":
            for d in sorted(root.glob("core:/stable:/*/deb")):
                size = sum(f.stat().st_size for f in d.rglob("*") if f.is_file())
                say(f"{d.relative_to(root)}/  {len(list(d.glob('amd64/*.deb')))} packages, {size / 2**20:.0f} MiB")
            return 0
        server = pkgserver.make_server(root, args.host, args.port, pkgserver.ensure_tls(tls_dir()))
        say(f"serving {root} on https://{args.host}:{args.port}/ as https://{pkgserver.HOSTNAME}/", )
        try:
            server.serve_forever()
        finally:
            server.server_close()
        return 0

    return run_command(command)


if __name__ == "__main__":
    sys.exit(main())
