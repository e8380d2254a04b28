"""The busybox of the workload images: built from Debian's source package of the nodes' release
with busybox's own default configuration, linked statically.

Debian's busybox and busybox-static packages are configured for the installer and rescue systems:
their wget has no -T (and 1.35 crashes on it), their nc has no -z. The pages use both, as the
official busybox image has them, so the image gets busybox's defconfig instead. The source comes
through apt (`apt-get source`, signatures checked with Debian's keyring) from a private list of
deb-src entries in the cache; the host's /etc/apt is not touched.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import time
from pathlib import Path

from ...console import duration, say
from ...errors import ProjectError
from ...tools.debian import apt_install
from . import layout, rootfs

# Off in the default configuration's static build: tc does not build against current kernel headers.
CONFIG_CHANGES = {"CONFIG_STATIC": "y", "CONFIG_TC": None}
BUILD_PACKAGES = ["dpkg-dev", "bzip2", "gcc", "make", "libc6-dev"]
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
# Raise when the build changes.
REVISION = 1


def recipe() -> str:
    text = f"{rootfs.SUITE}|{sorted(CONFIG_CHANGES.items(), key=str)}|{REVISION}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def path() -> Path:
    return layout.nodes_dir() / f"busybox-{rootfs.SUITE}-{recipe()}" / "busybox"


def sources(mirror: str) -> str:
    """deb-src entries for the suite, its updates and its security fixes (apt's deb822 format)."""
    security = mirror.rstrip("/") + "-security"
    return "".join(
        f"Types: deb-src\nURIs: {uri}\nSuites: {suites}\nComponents: main\nSigned-By: {KEYRING}\n\n"
        for uri, suites in ((mirror, f"{rootfs.SUITE} {rootfs.SUITE}-updates"), (security, f"{rootfs.SUITE}-security"))
    )


def configure(config_text: str) -> str:
    """The defconfig with CONFIG_CHANGES applied (value None: the option is turned off)."""
    lines = []
    for line in config_text.splitlines():
        for key, value in CONFIG_CHANGES.items():
            if line.startswith(f"{key}=") or line == f"# {key} is not set":
                line = f"{key}={value}" if value else f"# {key} is not set"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _run(cmd: list[str], cwd: Path, what: str) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise ProjectError(f"{what} failed (exit {proc.returncode}): {(proc.stderr or proc.stdout).strip()[-600:]}")
    return proc.stdout


def ensure() -> Path:
    """The static busybox binary, built once per recipe (about a minute)."""
    out = path()
    if out.is_file():
        return out
    if not Path(KEYRING).is_file():
        raise ProjectError(f"{KEYRING} is missing: install Debian's debian-archive-keyring package")
    apt_install(BUILD_PACKAGES, why="building busybox for the nodes' images")
    started = time.monotonic()
    say(f"==> building busybox from Debian {rootfs.SUITE}'s source with busybox's defconfig (first time only, ~1 min)")
    work = out.parent.with_name(out.parent.name + ".build")
    shutil.rmtree(work, ignore_errors=True)
    for d in ("parts", "lists/partial", "cache/archives/partial", "src"):
        (work / d).mkdir(parents=True)
    (work / "parts" / "deb-src.sources").write_text(sources(rootfs.mirror()))
    apt = ["apt-get", "-q", "-o", "Dir::Etc::SourceList=/dev/null", "-o", f"Dir::Etc::SourceParts={work}/parts",
           "-o", f"Dir::State::Lists={work}/lists", "-o", f"Dir::Cache={work}/cache", "-o", "APT::Sandbox::User=root"]
    _run(apt + ["update"], work, "apt-get update (deb-src)")
    _run(apt + ["source", "busybox"], work / "src", "apt-get source busybox")
    tree = next((p for p in (work / "src").iterdir() if p.is_dir() and p.name.startswith("busybox-")), None)
    if tree is None:
        raise ProjectError(f"apt-get source busybox left no busybox-* folder in {work / 'src'}")
    _run(["make", "defconfig"], tree, "make defconfig")
    (tree / ".config").write_text(configure((tree / ".config").read_text()))
    _run(["make", "-j2", "busybox"], tree, "make busybox")
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(tree / "busybox", out)
    shutil.rmtree(work, ignore_errors=True)
    say(f"    {tree.name} in {duration(time.monotonic() - started)}")
    return out
