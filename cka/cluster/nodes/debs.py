"""One Debian binary package built with dpkg-deb, byte for byte the same from the same input.

Every file and directory gets the same mtime (EPOCH), root owns everything (--root-owner-group)
and dpkg-deb takes SOURCE_DATE_EPOCH for its own timestamps, so a rebuild gives the same .deb.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import ProjectError

# 2026-01-01T00:00:00Z: the time stamp of every file in every package.
EPOCH = 1767225600
MAINTAINER = "Kubernetes Authors <dev@kubernetes.io>"
HOMEPAGE = "https://kubernetes.io"


@dataclass
class Deb:
    name: str
    version: str  # Debian version, e.g. 1.35.4-1.1
    section: str
    summary: str
    # path inside the package (no leading slash) -> (source file or bytes, mode)
    files: dict[str, tuple[Path | bytes, int]] = field(default_factory=dict)
    depends: tuple[str, ...] = ()
    recommends: tuple[str, ...] = ()
    conffiles: tuple[str, ...] = ()  # absolute paths under /etc
    scripts: dict[str, Path] = field(default_factory=dict)  # postinst, postrm, ... -> script

    @property
    def filename(self) -> str:
        return f"{self.name}_{self.version}_amd64.deb"

    def control(self, installed_kib: int) -> str:
        lines = [
            f"Package: {self.name}",
            f"Version: {self.version}",
            "Architecture: amd64",
            f"Maintainer: {MAINTAINER}",
            f"Installed-Size: {installed_kib}",
        ]
        if self.depends:
            lines.append("Depends: " + ", ".join(self.depends))
        if self.recommends:
            lines.append("Recommends: " + ", ".join(self.recommends))
        lines += [
            f"Section: {self.section}",
            "Priority: optional",
            f"Homepage: {HOMEPAGE}",
            f"Description: {self.summary}",
            f" {self.summary}.",
        ]
        return "\n".join(lines) + "\n"


def _write(target: Path, source: Path | bytes, mode: int) -> int:
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, bytes):
        target.write_bytes(source)
    else:
        if not source.is_file():
            raise ProjectError(f"{source}: missing, needed for a Debian package: build its tool first "
                               "(python -m cka.tools install NAME)")
        shutil.copyfile(source, target)
    target.chmod(mode)
    return target.stat().st_size


def build(deb: Deb, workdir: Path, out_dir: Path) -> Path:
    """Build deb into out_dir (staging it under workdir, removed afterwards); return its path."""
    stage = workdir / f"{deb.name}_{deb.version}"
    shutil.rmtree(stage, ignore_errors=True)
    size = sum(_write(stage / rel, src, mode) for rel, (src, mode) in deb.files.items())
    meta = stage / "DEBIAN"
    meta.mkdir(parents=True, exist_ok=True)
    for name, script in deb.scripts.items():
        _write(meta / name, script, 0o755)
    if deb.conffiles:
        _write(meta / "conffiles", "".join(f"{c}\n" for c in deb.conffiles).encode(), 0o644)
    _write(meta / "control", deb.control(max(1, (size + 1023) // 1024)).encode(), 0o644)
    for dirpath, dirnames, filenames in os.walk(stage):
        os.chmod(dirpath, 0o755)
        for name in filenames + dirnames:
            os.utime(os.path.join(dirpath, name), (EPOCH, EPOCH), follow_symlinks=False)
        os.utime(dirpath, (EPOCH, EPOCH))
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / deb.filename
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(EPOCH))
    try:
        proc = subprocess.run(
            ["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build", str(stage), str(target)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )
    except FileNotFoundError as exc:
        raise ProjectError("dpkg-deb is not installed: apt-get install dpkg") from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    if proc.returncode != 0:
        raise ProjectError(f"dpkg-deb could not build {deb.filename}:\n{proc.stdout.strip()}")
    return target


def fields(path: Path) -> str:
    """The control fields of a built package, as dpkg-deb prints them (the Packages index's stanza)."""
    proc = subprocess.run(["dpkg-deb", "--field", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    if proc.returncode != 0:
        raise ProjectError(f"{path}: not a Debian package ({proc.stderr.strip()}); delete it and build again")
    return proc.stdout.rstrip("\n")
