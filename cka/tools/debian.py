"""Debian packages: the one apt-get installer of the project (tools, the browser tests, the labs)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from pathlib import Path

from ..cache import bin_dir
from ..console import say
from ..errors import ProjectError

SYSTEM_PATH = "/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin"


def dpkg_version(package: str) -> str:
    """The installed version of a package, or '' when it is not installed."""
    with contextlib.suppress(OSError):
        proc = subprocess.run(["dpkg-query", "-W", "-f", "${Status} ${Version}", package],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        m = re.match(r"install ok installed (\S+)", proc.stdout)
        if m:
            return m.group(1)
    return ""


def has_candidate(package: str) -> bool:
    """apt-get knows a version of the package (the package lists are not stale)."""
    with contextlib.suppress(OSError):
        out = subprocess.run(["apt-cache", "policy", package], capture_output=True, text=True).stdout
        m = re.search(r"Candidate:\s*(\S+)", out)
        return bool(m and m.group(1) != "(none)")
    return False


def find_system_binary(name: str) -> str | None:
    """A binary on the system's PATH (and the sbin folders), never one of the tools cache's links."""
    path = os.environ.get("PATH", "") + os.pathsep + SYSTEM_PATH
    own = str(bin_dir())
    path = os.pathsep.join(p for p in path.split(os.pathsep) if p and os.path.abspath(p) != own)
    return shutil.which(name, path=path)


def _apt(args: list[str], what: str, packages: list[str], quiet: bool) -> None:
    command = ["apt-get", *args]
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise ProjectError(f"{what} needs root: run `sudo apt-get install {' '.join(packages)}` and try again")
        command = ["sudo", "-n", *command]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    proc = subprocess.run(command, env=env, stdout=subprocess.PIPE if quiet else None,
                          stderr=subprocess.PIPE if quiet else None, text=True)
    if proc.returncode != 0:
        tail = "\n".join(((proc.stderr or proc.stdout or "") if quiet else "").strip().splitlines()[-5:])
        raise ProjectError(f"{what} failed{': ' + tail if tail else ' (see apt-get above)'}; "
                           f"run `apt-get install {' '.join(packages)}` as root")


def apt_install(packages: list[str], why: str = "", quiet: bool = True) -> list[str]:
    """Install the packages that are not installed yet; `apt-get update` first only when the package
    lists do not know one of them. Returns the packages it installed."""
    missing = [p for p in packages if not dpkg_version(p)]
    if not missing:
        return []
    if not shutil.which("apt-get"):
        raise ProjectError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed and this system "
                           f"has no apt-get: install {'it' if len(missing) == 1 else 'them'} with your package manager")
    if not all(has_candidate(p) for p in missing):
        say(f"    apt-get update (the package lists do not know {', '.join(missing)} yet)")
        _apt(["update", "-q"], "apt-get update", missing, quiet)
        unknown = [p for p in missing if not has_candidate(p)]
        if unknown:
            raise ProjectError(f"apt-get cannot find {', '.join(unknown)}; check the Debian sources in /etc/apt/")
    say(f"    installing {', '.join(missing)} with apt-get{' (' + why + ')' if why else ''}")
    _apt(["install", "-y", "-q", "--no-install-recommends", *missing], "apt-get install", missing, quiet)
    return missing


def _version_tuple(v: str) -> tuple:
    return tuple(int(x) for x in re.findall(r"\d+", v))


def install_tool(tool, out: Path) -> None:
    """A Debian tool of the registry: install its package if a binary is missing, check the
    version, link the binaries into the tool's directory."""
    if any(not find_system_binary(b) for b in tool.binaries):
        apt_install([tool.package])
    version = dpkg_version(tool.package)
    if tool.min_version and version and _version_tuple(version)[:3] < _version_tuple(tool.min_version):
        raise ProjectError(f"{tool.package} {version} is older than the {tool.min_version} the project needs")
    out.mkdir(parents=True, exist_ok=True)
    for b in tool.binaries:
        found = find_system_binary(b)
        if not found:
            raise ProjectError(f"package {tool.package} is installed but {b} was not found on PATH")
        link = out / b
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        link.symlink_to(found)
