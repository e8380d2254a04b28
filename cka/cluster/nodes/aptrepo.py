"""An apt repository laid out like pkgs.k8s.io: one flat repository per minor, signed.

    <root>/core:/stable:/v1.35/deb/Release.key      the ASCII-armoured public key
    <root>/core:/stable:/v1.35/deb/InRelease        Release, clear-signed
    <root>/core:/stable:/v1.35/deb/Release(.gpg)    the index list and its detached signature
    <root>/core:/stable:/v1.35/deb/Packages(.gz)    one stanza per package
    <root>/core:/stable:/v1.35/deb/amd64/kubeadm_1.35.4-1.1_amd64.deb ...

A node uses it as on the exam: `deb [signed-by=...] https://pkgs.k8s.io/core:/stable:/v1.35/deb/ /`.
The signing key is generated once with gpg (batch mode, no passphrase) in a GNUPGHOME of its own
in the cache; nothing else ever reads that directory.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

from ...console import say
from ...errors import ProjectError
from . import debs

KEY_UID = "cka-guide local package repository <packages@cka-guide.invalid>"
HASHES = (("MD5Sum", "md5"), ("SHA1", "sha1"), ("SHA256", "sha256"), ("SHA512", "sha512"))


def repo_path(minor: str) -> str:
    """1.35 -> core:/stable:/v1.35/deb, the path of that minor's repository under the server's root."""
    return f"core:/stable:/v{minor}/deb"


def gpg(home: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        proc = subprocess.run(["gpg", "--batch", "--homedir", str(home), *args], input=stdin,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError as exc:
        raise ProjectError("gpg is not installed: apt-get install gpg") from exc
    if proc.returncode != 0:
        raise ProjectError(f"gpg {' '.join(args[:2])} failed in {home}:\n{proc.stderr.decode(errors='replace').strip()}"
                           f"\nremove {home} to make a new signing key")
    return proc.stdout


def stop_agent(home: Path) -> None:
    """gpg starts an agent for its home directory; stop that one (and only that one)."""
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], capture_output=True)


def ensure_key(home: Path) -> str:
    """The signing key's fingerprint, generating the key the first time (RSA 3072, no passphrase)."""
    if (home / ".cka-ready").exists():
        return (home / ".cka-ready").read_text().strip()
    tmp = home.with_name(home.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True, mode=0o700)
    say("    generating the package repository's signing key (gpg, first time only)")
    try:
        gpg(tmp, "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", KEY_UID, "rsa3072", "sign",
            "never")
        listing = gpg(tmp, "--with-colons", "--list-secret-keys").decode()
    finally:
        stop_agent(tmp)
    fprs = [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")]
    if not fprs:
        raise ProjectError(f"gpg made no key in {tmp}")
    (tmp / ".cka-ready").write_text(fprs[0] + "\n")
    shutil.rmtree(home, ignore_errors=True)
    tmp.rename(home)
    return fprs[0]


def public_key(home: Path, armor: bool = True) -> bytes:
    fpr = ensure_key(home)
    return gpg(home, "--export", *(["--armor"] if armor else []), fpr)


def packages_index(repo: Path, deb_files: list[Path]) -> str:
    """Link (or copy) the packages into repo/amd64/ and return the Packages index."""
    (repo / "amd64").mkdir(parents=True, exist_ok=True)
    stanzas = []
    for src in sorted(deb_files, key=lambda p: p.name):
        target = repo / "amd64" / src.name
        try:
            os.link(src, target)  # the cache keeps one copy of each package
        except OSError:
            shutil.copyfile(src, target)
        data = target.read_bytes()
        sums = "\n".join(f"{field if field != 'MD5Sum' else 'MD5sum'}: {hashlib.new(algo, data).hexdigest()}"
                         for field, algo in HASHES)
        stanzas.append(f"{debs.fields(target)}\nFilename: amd64/{src.name}\nSize: {len(data)}\n{sums}\n")
    return "\n".join(stanzas)


def release_file(minor: str, indexes: dict[str, bytes], date: float) -> str:
    """A Release file with the fields pkgs.k8s.io's (Open Build Service) repositories carry."""
    lines = [
        "Archive: deb",
        "Codename: deb",
        f"Origin: obs://build.opensuse.org/isv:kubernetes:core:stable:v{minor}/deb",
        f"Label: isv:kubernetes:core:stable:v{minor}",
        "Architectures: amd64",
        f"Date: {email.utils.formatdate(date, usegmt=True)}",
    ]
    for field, algo in HASHES:
        lines.append(f"{field}:")
        lines += [f" {hashlib.new(algo, data).hexdigest()} {len(data)} {name}" for name, data in indexes.items()]
    return "\n".join(lines) + "\n"


def write_repository(root: Path, minor: str, deb_files: list[Path], home: Path) -> Path:
    """One minor's signed repository under root; returns its directory."""
    if not deb_files:
        raise ProjectError(f"no packages for the v{minor} repository")
    repo = root / repo_path(minor)
    repo.mkdir(parents=True, exist_ok=True)
    packages = packages_index(repo, deb_files).encode()
    indexes = {"Packages": packages, "Packages.gz": gzip.compress(packages, mtime=debs.EPOCH)}
    for name, data in indexes.items():
        (repo / name).write_bytes(data)
    release = release_file(minor, indexes, time.time())
    (repo / "Release").write_text(release)
    fpr = ensure_key(home)
    try:
        for out, how in (("InRelease", "--clearsign"), ("Release.gpg", "--detach-sign")):
            signed = gpg(home, "--local-user", fpr, "--digest-algo", "SHA512", "--armor", how, stdin=release.encode())
            (repo / out).write_bytes(signed)
        (repo / "Release.key").write_bytes(public_key(home))
    finally:
        stop_agent(home)
    for dirpath, dirnames, filenames in os.walk(repo):
        os.chmod(dirpath, 0o755)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o644)
    return repo
