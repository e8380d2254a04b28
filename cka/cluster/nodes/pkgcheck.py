"""The exam's install-and-upgrade commands against the package repository, without a cluster.

In a private network and mount namespace (unshare): the repository server listens on
127.0.0.1:443, the nodes' root filesystem is mounted read-only under a throw-away overlay, and a
chroot of that overlay runs exactly what a learner types on the exam, from adding the key to
`kubeadm version` after the upgrade. The shared root filesystem is never written.

    python -m cka.cluster.nodes.pkgcheck     (root; builds what is missing first)
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ... import versions as pinned
from ...console import duration, say
from ...errors import ProjectError, run_command
from ...paths import ROOT
from . import aptrepo, packages, pkgrepo, rootfs

# What `gpg --dearmor` needs, until the nodes' root filesystem has gpg (rootfs.PACKAGES).
GPG_DEBS = ("gpg", "gpgconf", "libassuan0", "libreadline8", "readline-common", "libsqlite3-0")
KEYRING = pkgrepo.KEYRING


def exam_script(previous: str, current: str) -> str:
    """The learner's commands in a node: install the previous release, hold, switch the source, upgrade."""
    old, new = pinned.package_version(previous), pinned.package_version(current)
    old_url, new_url = pkgrepo.url(packages.minor_of(previous)), pkgrepo.url(packages.minor_of(current))
    return f"""set -euxo pipefail
export DEBIAN_FRONTEND=noninteractive
mkdir -p -m 755 /etc/apt/keyrings
curl -fsSL {old_url}Release.key | gpg --dearmor -o {KEYRING}
echo 'deb [signed-by={KEYRING}] {old_url} /' | tee /etc/apt/sources.list.d/kubernetes.list
apt-get update
apt-cache madison kubeadm
apt-get install -y kubeadm={old} kubelet={old} kubectl={old}
apt-mark hold kubeadm kubelet kubectl
kubeadm version -o short
sed -i 's|{old_url}|{new_url}|' /etc/apt/sources.list.d/kubernetes.list
apt-get update
apt-cache madison kubeadm
apt-mark unhold kubeadm && apt-get install -y kubeadm={new} && apt-mark hold kubeadm
kubeadm version -o short
apt-mark unhold kubelet kubectl && apt-get install -y kubelet={new} kubectl={new} && apt-mark hold kubelet kubectl
kubelet --version
kubectl version --client
apt-mark showhold
ls /usr/lib/systemd/system/kubelet.service /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf /opt/cni/bin
"""


def gpg_debs(dest: Path) -> list[Path]:
    """Debian's gpg and the libraries the nodes lack, downloaded once with apt-get."""
    if not (dest / ".cka-ready").exists():
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True)
        proc = subprocess.run(["apt-get", "download", *GPG_DEBS], cwd=dest, capture_output=True, text=True)
        if proc.returncode != 0:
            raise ProjectError(f"apt-get download {' '.join(GPG_DEBS)} failed:\n{proc.stderr.strip()}")
        (dest / ".cka-ready").write_text("")
    return sorted(dest.glob("*.deb"))


def driver(work: Path, root: Path, exam: Path) -> str:
    """The namespace's own script: network, overlay, server, node files, then the exam in a chroot."""
    q = shlex.quote
    merged = work / "merged"
    return f"""set -euo pipefail
ip link set lo up
mkdir -p {q(str(work))}/upper {q(str(work))}/ovl {q(str(merged))}
mount -t overlay overlay -o lowerdir={q(str(root))},upperdir={q(str(work))}/upper,workdir={q(str(work))}/ovl {q(str(merged))}
mount -t proc proc {q(str(merged))}/proc
mount --rbind /dev {q(str(merged))}/dev
cd {q(str(ROOT))}
{q(sys.executable)} -m cka.cluster.nodes.pkgrepo serve --host 127.0.0.1 --port 443 &
server=$!
trap 'kill $server' EXIT
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/443) 2>/dev/null && break; sleep 0.2; done
cp -a {q(str(work))}/node/. {q(str(merged))}/
rm -f {q(str(merged))}/etc/apt/sources.list.d/*
echo '127.0.0.1 pkgs.k8s.io' >> {q(str(merged))}/etc/hosts
if [ ! -x {q(str(merged))}/usr/bin/gpg ]; then chroot {q(str(merged))} sh -c 'dpkg -i /tmp/gpg-debs/*.deb' >/dev/null; fi
chroot {q(str(merged))} update-ca-certificates >/dev/null
echo "== apt sources in the node:"; cat {q(str(merged))}/etc/apt/sources.list; ls {q(str(merged))}/etc/apt/sources.list.d
chroot {q(str(merged))} /bin/bash {q('/tmp/' + exam.name)}
"""


def run(work_parent: Path | None = None) -> str:
    """Run the exam's commands; return the transcript. ProjectError (with the transcript) on failure."""
    if os.geteuid() != 0:
        raise ProjectError("the package repository check needs root (unshare, mount, chroot)")
    root = rootfs.ensure()
    pkgrepo.ensure(install_tools=True)
    setup = pkgrepo.node_setup()
    previous = pinned.get("kubernetes", "previous_version")
    current = pinned.get("kubernetes", "version")
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="cka-pkgcheck-", dir=work_parent))
    try:
        node = work / "node"
        for path, (data, mode) in setup.files.items():
            target = node / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            target.chmod(mode)
        debs_dir = node / "tmp" / "gpg-debs"
        debs_dir.mkdir(parents=True)
        (node / "tmp").chmod(0o1777)  # copied over the node's /tmp: apt's sandbox user writes there
        for deb in gpg_debs(packages.packages_dir() / "gpg-debs"):
            shutil.copyfile(deb, debs_dir / deb.name)
        exam = node / "tmp" / "exam.sh"
        exam.write_text(exam_script(previous, current))
        say(f"==> the exam's apt commands in a chroot of a copy of {root.name} ({aptrepo.repo_path('*')})")
        proc = subprocess.run(["unshare", "--net", "--mount", "--propagation", "private", "--fork",
                               "bash", "-c", driver(work, root, exam)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if proc.returncode != 0:
        raise ProjectError(f"the exam's apt commands failed (exit {proc.returncode}):\n{proc.stdout[-6000:]}")
    say(f"    passed in {duration(time.monotonic() - started)}")
    return proc.stdout


def main() -> int:
    def command() -> int:
        print(run())
        return 0

    return run_command(command)


if __name__ == "__main__":
    sys.exit(main())
