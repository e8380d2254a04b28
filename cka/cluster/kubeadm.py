"""The kubeadm runtime (root, Linux, no Docker): three real nodes, controlplane, node01 and node02,
each a systemd-nspawn machine with its own hostname, address, filesystem, process tree, containerd
and kubelet, built with `kubeadm init` and `kubeadm join` from the pinned binaries. Images come
from local OCI archives (cka.cluster.nodes.images), never from a registry. The Pod network is
the bridge CNI plugin on every node plus static routes between the nodes' Pod ranges.

Its state is <cache>/cluster-kubeadm/, beside the shared cluster's, and `down()` removes only what
`up()` made: the machines (and every process in their cgroups), the overlay mounts, the network
namespace cka-kubeadm with its bridge, the host's veth cka-kadm0, and the cgroups cka-kubeadm/.
A second cluster (KUBEADM_SLOT=2) has names of its own for each (cka.cluster.nodes.layout).

With release "previous" (`make cluster-up CLUSTER_RUNTIME=kubeadm CLUSTER_VERSION=previous`) the
cluster starts one minor behind, as for the exam's upgrade task: the nodes install kubeadm, kubelet,
kubectl, cri-tools and kubernetes-cni with apt from the project's own pkgs.k8s.io (served from this
host, cka.cluster.nodes.pkgrepo), and hold both releases' images, so `apt-get install` and
`kubeadm upgrade` reach the current release without a network.
"""

from __future__ import annotations

import concurrent.futures
import os
import secrets
import shutil
import signal
import string
import subprocess
import threading
import time
from pathlib import Path

from .. import versions
from ..console import duration, say, warn
from ..errors import ProjectError
from ..tools import ensure
from ..tools.debian import apt_install
from . import ClusterError, kubeconfig, kubectl
from .nodes import config, images, layout, network, node, packages, pkgrepo, pkgserver, rootfs

TOOLS = ["kubernetes", "kubernetes-node", "etcd", "coredns", "containerd", "cni-plugins", "crictl", "metrics-server",
         "kube-network-policies", "local-path-provisioner"]
# Applied after kubeadm init, in this order: NetworkPolicy enforcement, the metrics API, dynamic volumes.
ADDONS = ("kube-network-policies", "metrics-server", "local-path-provisioner")
# systemd-container recommends libnss-mymachines, which would add `mymachines` to the host's
# /etc/nsswitch.conf: apt_install never installs recommended packages, and up() checks the file.
HOST_PACKAGES = ["systemd-container", "debootstrap"]
NSSWITCH = Path("/etc/nsswitch.conf")
RELEASES = ("current", "previous")
RELEASE_FILE = "release"
PKGSERVER_MARK = "cka.cluster.nodes.pkgrepo serve"


def release_version(release: str) -> str:
    if release not in RELEASES:
        raise ClusterError(f"CLUSTER_VERSION={release}: the kubeadm cluster starts at `current` "
                           f"({versions.kubernetes()}) or `previous` ({versions.get('kubernetes', 'previous_version')})")
    return versions.kubernetes() if release == "current" else versions.get("kubernetes", "previous_version")


def running_release() -> str | None:
    """The release the cluster was started at (current or previous), if one was started."""
    f = layout.state_dir() / RELEASE_FILE
    return f.read_text().strip() if f.exists() else None


def host_packages() -> None:
    before = NSSWITCH.read_bytes() if NSSWITCH.exists() else None
    apt_install(HOST_PACKAGES, why="the kubeadm runtime's nodes")
    if before is not None and NSSWITCH.read_bytes() != before:
        NSSWITCH.write_bytes(before)
        warn("installing systemd-container changed /etc/nsswitch.conf; the previous file is restored")


def token() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(6)) + "." + "".join(secrets.choice(alphabet) for _ in range(16))


def in_node_with_heartbeat(name: str, command: list[str], what: str, timeout: float) -> str:
    done = threading.Event()
    started = time.monotonic()

    def heartbeat():
        while not done.wait(20):
            say(f"    ... still {what} ({duration(time.monotonic() - started)})")

    threading.Thread(target=heartbeat, daemon=True).start()
    try:
        result = node.run(name, command, timeout=timeout)
        (layout.node_dir(name) / f"{command[0]}-{command[1]}.log").write_text(result.stdout + result.stderr)
        return result.stdout
    except subprocess.TimeoutExpired:
        raise ClusterError(f"{name}: {what} did not finish within {timeout:.0f} s") from None
    finally:
        done.set()


def up(release: str = "current") -> None:
    """Build (once) and start the cluster at a release (current, or previous: one minor behind);
    any failure is a ClusterError, so cka.cluster cleans up."""
    version = release_version(release)
    try:
        _up(version, previous=release == "previous")
    except ClusterError:
        raise
    except (ProjectError, OSError, subprocess.SubprocessError) as exc:
        raise ClusterError(str(exc)) from None


def _up(version: str, previous: bool) -> None:
    if shutil.which("systemd-nspawn") is None or shutil.which("debootstrap") is None:
        say("==> installing systemd-container and debootstrap (Debian)")
        host_packages()
    if previous:
        say(f"==> a cluster one minor behind: {version}, upgradable to {versions.kubernetes()} with apt and kubeadm "
            "(the first time builds the previous release's binaries, about 5 minutes)")
    if any(p.exists() for p in (layout.node_dir(n) for n in layout.NODES)) or network.netns_exists():
        say("==> removing what a previous kubeadm cluster left")
        down()
    # The first time, debootstrap (mostly downloads and unpacking) builds the nodes' root filesystem
    # while Go compiles the node tools: the two together take about as long as the compiles alone.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        root_built = pool.submit(rootfs.ensure)
        ensure(TOOLS + (["kubernetes-previous"] if previous else []), quiet=True)
        root = root_built.result()
    started = time.monotonic()
    state = layout.state_dir()
    state.mkdir(parents=True, exist_ok=True)
    (state / RELEASE_FILE).write_text("previous\n" if previous else "current\n")
    join_token = token()
    init_config = config.kubeadm_init_config(version, join_token, images.etcd_tag())
    (state / "kubeadm.yaml").write_text(init_config)
    repo_files: dict[str, tuple[bytes, int]] = {}
    hosts_line = ""
    if previous:
        # The images of both releases: the upgrade's target too, as kubeadm upgrade lists them.
        (state / "kubeadm-upgrade.yaml").write_text(config.kubeadm_init_config(versions.kubernetes(), join_token,
                                                                               images.etcd_tag()))
        archives, names = images.ensure(state / "kubeadm-upgrade.yaml", root, previous_config=state / "kubeadm.yaml")
        pkgrepo.ensure()
        repo = pkgrepo.node_setup(packages.minor_of(version))
        repo_files, hosts_line = repo.files, repo.hosts_line + "\n"
    else:
        archives, names = images.ensure(state / "kubeadm.yaml", root)

    say(f"==> starting the nodes {', '.join(layout.NODES)} (systemd-nspawn, network namespace {layout.NETNS})")
    network.create()
    if previous:
        pid = pkgserver.spawn(layout.HOST_IP, 443, state / "pkgserver.log")
        say(f"    pkgs.k8s.io served from https://{layout.HOST_IP}/ (cka.cluster.nodes.pkgrepo), pid {pid}")
    for name in layout.NODES:
        extra = ({"etc/kubeadm/init.yaml": init_config} if name == layout.CONTROL_PLANE
                 else {"etc/kubeadm/join.yaml": config.kubeadm_join_config(name, join_token)})
        if hosts_line:
            extra["etc/hosts"] = config.hosts_file(name) + hosts_line
        merged = node.prepare(name, root, archives, names["pause"][0], extra, repo_files, packaged=previous)
        pid = node.start(name, merged, archives, packaged=previous)
        network.attach(name, node.wait_for_leader(name, pid))
    for name in layout.NODES:
        node.wait_active(name, "containerd.service")
    say(f"    nodes running, containerd active ({duration(time.monotonic() - started)})")
    if previous:
        install_packages(version)

    say("==> importing the images into each node's containerd (ctr -n k8s.io images import)")
    import_started = time.monotonic()

    def import_images(name: str) -> None:
        archives_in_node = [f"/opt/cka/images/{images.archive_name(c)}" for c in images.for_node(name, names)]
        script = ('for a; do ctr -n k8s.io images import --local --discard-unpacked-layers "$a" >/dev/null '
                  '|| { echo "importing $a failed" >&2; exit 1; }; done')
        node.run(name, ["sh", "-c", script, "sh", *archives_in_node], timeout=300)

    with concurrent.futures.ThreadPoolExecutor(len(layout.NODES)) as pool:
        list(pool.map(import_images, layout.NODES))
    say(f"    {sum(len(v) for v in names.values())} image names in {duration(time.monotonic() - import_started)}")

    say(f"==> kubeadm init on {layout.CONTROL_PLANE} ({version}, about a minute)")
    in_node_with_heartbeat(layout.CONTROL_PLANE, ["kubeadm", "init", "--config", "/etc/kubeadm/init.yaml"],
                           "waiting for kubeadm init", 600)
    kubeconfig().parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(node_path(layout.CONTROL_PLANE, "etc/kubernetes/admin.conf"), kubeconfig())
    kubeconfig().chmod(0o600)

    for name in layout.NODES[1:]:
        say(f"==> kubeadm join on {name}")
        in_node_with_heartbeat(name, ["kubeadm", "join", "--config", "/etc/kubeadm/join.yaml"],
                               f"waiting for kubeadm join on {name}", 300)

    say("==> waiting for the nodes to be Ready")
    kubectl("wait", "--for=condition=Ready", "node", "--all", "--timeout=180s", capture=True, timeout=200)
    from .binary import wait_for_default_service_account  # noqa: PLC0415 - shared helper

    wait_for_default_service_account()
    say(f"    three Ready nodes in {duration(time.monotonic() - started)} (after the tools)")
    say(f"==> add-ons: {', '.join(ADDONS)} (cka/cluster/nodes/files/addons/)")
    for addon in ADDONS:
        kubectl("apply", "-f", "-", input=addon_manifest(addon, names), capture=True)
    say("==> waiting for CoreDNS, kube-network-policies, metrics-server and local-path-provisioner")
    for namespace, selector in (("kube-system", "k8s-app=kube-dns"), ("kube-system", "k8s-app=kube-network-policies"),
                                ("kube-system", "k8s-app=metrics-server"),
                                ("local-path-storage", "app=local-path-provisioner")):
        kubectl("-n", namespace, "wait", "--for=condition=Ready", "pod", "-l", selector, "--timeout=180s",
                capture=True, timeout=200)
    say(f"    ready in {duration(time.monotonic() - started)} (after the tools)")


def install_packages(version: str) -> None:
    """kubeadm, kubelet and kubectl at one release, with cri-tools and kubernetes-cni, installed and
    held with apt on every node, as the Kubernetes documentation installs them."""
    v = versions.package_version(version)
    say(f"==> apt-get install kubelet={v} kubeadm={v} kubectl={v} on every node (pkgs.k8s.io, this host)")
    script = ("set -e; update-ca-certificates >/dev/null; apt-get update -q; "
              f"apt-get install -y -q kubelet={v} kubeadm={v} kubectl={v} cri-tools kubernetes-cni; "
              "apt-mark hold kubelet kubeadm kubectl")
    started = time.monotonic()

    def install(name: str) -> None:
        result = node.run(name, ["bash", "-c", script], timeout=300, check=False)
        (layout.node_dir(name) / "apt-install.log").write_text(result.stdout + result.stderr)
        if result.returncode != 0:
            raise ClusterError(f"{name}: installing the packages failed (exit {result.returncode}); "
                               f"see {layout.node_dir(name) / 'apt-install.log'}:\n{result.stderr.strip()[-600:]}")

    with concurrent.futures.ThreadPoolExecutor(len(layout.NODES)) as pool:
        list(pool.map(install, layout.NODES))
    say(f"    installed and held on {len(layout.NODES)} nodes in {duration(time.monotonic() - started)}")


def pkgserver_pids() -> list[int]:
    """The package repository servers running on this host (started by a cluster one minor behind)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                if PKGSERVER_MARK in cmdline and layout.HOST_IP in cmdline:
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def addon_manifest(addon: str, names: dict[str, list[str]]) -> str:
    return (config.FILES / "addons" / f"{addon}.yaml").read_text(encoding="utf-8").replace("{image}", names[addon][0])


def node_path(name: str, rel: str) -> Path:
    return layout.node_dir(name) / "root" / rel


def down() -> None:
    """Stop the machines and remove every process, mount, network namespace, interface and cgroup
    the runtime made. Raises ClusterError (and leaves the state directory) if a mount remains."""
    removed: list[str] = []
    servers = pkgserver_pids()
    for pid in servers:  # the one this cluster started, or one a crashed cluster left
        pkgserver.stop(pid)
    if servers:
        removed.append("the package repository server")
    with concurrent.futures.ThreadPoolExecutor(len(layout.NODES)) as pool:
        stopped = list(pool.map(node.stop, layout.NODES))
    removed += [f"node {n}" for n, s in zip(layout.NODES, stopped) if s]
    for _ in range(50):
        pids = node.cgroup_pids()
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    mounts = config.mounts_under(Path("/proc/self/mountinfo").read_text(), layout.state_dir())
    for point in mounts:
        if subprocess.run(["umount", point], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", point], capture_output=True)
    if mounts:
        removed.append(f"{len(mounts)} mounts")
    removed += network.remove()
    removed += node.remove_cgroups()
    node.remove_nspawn_leftovers()
    left = config.mounts_under(Path("/proc/self/mountinfo").read_text(), layout.state_dir())
    if left:
        raise ClusterError(f"still mounted, not removing {layout.state_dir()}: {', '.join(left[:3])}")
    if removed:
        say("==> removed " + ", ".join(removed))


def leftovers() -> list[str]:
    """What a stopped kubeadm cluster must not leave behind, found afresh on the host: processes in
    its cgroups, mounts under its state directory, its network namespace and host interface, its
    cgroups, and iptables rules of the host that name its interface or ranges."""
    found = [f"process {pid}" for pid in sorted(node.cgroup_pids())]
    found += [f"package repository server, process {pid}" for pid in pkgserver_pids()]
    found += [f"mount {m}" for m in config.mounts_under(Path("/proc/self/mountinfo").read_text(), layout.state_dir())]
    if network.netns_exists():
        found.append(f"network namespace {layout.NETNS}")
    if Path(f"/sys/class/net/{layout.HOST_VETH}").exists():
        found.append(f"interface {layout.HOST_VETH}")
    found += [f"cgroup {d}" for d in node.cgroup_dirs() if d.is_dir()]
    rules = subprocess.run(["iptables-save"], capture_output=True, text=True).stdout if shutil.which("iptables-save") \
        else ""
    marks = (layout.HOST_VETH, layout.SUBNET + ".", layout.POD_SUBNET, layout.SERVICE_SUBNET)
    found += [f"host iptables rule: {line}" for line in rules.splitlines() if any(m in line for m in marks)]
    return found


def node_shell(name: str, command: str | None = None) -> int:
    """A shell in a node (or one command run by bash -c); returns its exit code."""
    if name not in layout.NODES:
        raise ClusterError(f"unknown node `{name}`; the nodes are {', '.join(layout.NODES)}")
    try:
        cmd = node.exec_command(name, ["bash", "-c", command] if command else ["bash", "-l"])
    except Exception as exc:  # noqa: BLE001 - one line for the user
        raise ClusterError(f"{exc}; start the cluster with `make cluster-up {layout.MAKE_VARS}`") from None
    return subprocess.call(cmd)
