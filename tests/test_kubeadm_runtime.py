"""cka.cluster.kubeadm's pure logic: rendered configs, image names, addresses, cleanup order,
the OCI archive layout. Nothing here needs root or starts a node."""

from __future__ import annotations

import json
import re
import tarfile

import pytest
import yaml

from cka import paths, versions
from cka.cluster import RUNTIMES, runtime_module, state_dir
from cka.cluster.nodes import config, images, layout, node

IMAGES_LIST = """\
W1206 22:00:00.000000    1234 version.go:109] could not fetch a Kubernetes version from the internet
registry.k8s.io/kube-apiserver:v1.35.4
registry.k8s.io/kube-controller-manager:v1.35.4
registry.k8s.io/kube-scheduler:v1.35.4
registry.k8s.io/kube-proxy:v1.35.4
registry.k8s.io/coredns/coredns:v1.13.1
registry.k8s.io/pause:3.10.1
registry.k8s.io/etcd:3.6.16-0
"""


def test_runtime_is_registered(monkeypatch, tmp_path):
    assert "kubeadm" in RUNTIMES
    module = runtime_module("kubeadm")
    assert {"kubernetes", "containerd", "cni-plugins", "crictl"} <= set(module.TOOLS)
    assert callable(module.up) and callable(module.down) and callable(module.node_shell)
    monkeypatch.setenv("CKA_TOOLS_DIR", str(tmp_path))
    monkeypatch.setenv("CLUSTER_RUNTIME", "kubeadm")
    assert state_dir() == tmp_path / "cluster-kubeadm" == layout.state_dir()
    monkeypatch.setenv("CLUSTER_RUNTIME", "binary")
    assert state_dir() == tmp_path / "cluster"  # the shared cluster's directory is not the kubeadm one


def test_init_config_renders_every_document():
    text = config.kubeadm_init_config("v1.35.4", "abcdef.0123456789abcdef", "3.6.16-0")
    docs = {d["kind"]: d for d in yaml.safe_load_all(text)}
    assert set(docs) == {"InitConfiguration", "ClusterConfiguration", "KubeletConfiguration", "KubeProxyConfiguration"}
    init, cluster = docs["InitConfiguration"], docs["ClusterConfiguration"]
    assert init["bootstrapTokens"][0]["token"] == "abcdef.0123456789abcdef"
    assert init["localAPIEndpoint"]["advertiseAddress"] == layout.node_ip("controlplane") == "172.31.250.10"
    assert init["nodeRegistration"]["imagePullPolicy"] == "Never"  # nothing is pulled
    assert init["nodeRegistration"]["ignorePreflightErrors"] == list(config.IGNORE_PREFLIGHT)
    assert cluster["kubernetesVersion"] == "v1.35.4"
    assert cluster["etcd"]["local"]["imageTag"] == "3.6.16-0"
    assert cluster["networking"]["podSubnet"] == layout.POD_SUBNET
    assert docs["KubeletConfiguration"]["failCgroupV1"] is False
    assert docs["KubeletConfiguration"]["cgroupDriver"] == "systemd"
    assert docs["KubeProxyConfiguration"]["conntrack"]["maxPerCore"] == 0
    assert "{" not in text.replace("{}", "")


def test_join_config_names_the_node_and_its_address():
    join = yaml.safe_load(config.kubeadm_join_config("node02", "abcdef.0123456789abcdef"))
    assert join["kind"] == "JoinConfiguration"
    assert join["nodeRegistration"]["name"] == "node02"
    assert join["nodeRegistration"]["kubeletExtraArgs"] == [{"name": "node-ip", "value": "172.31.250.12"}]
    assert join["discovery"]["bootstrapToken"]["apiServerEndpoint"] == "172.31.250.10:6443"


def test_render_refuses_a_missing_value():
    with pytest.raises(KeyError):
        config.render("a: {x}\nb: {y}\n", x="1")


def test_containerd_config_uses_the_imported_pause_image():
    text = config.containerd_config("registry.k8s.io/pause:3.10.1")
    assert "sandbox = 'registry.k8s.io/pause:3.10.1'" in text
    assert "SystemdCgroup = true" in text and "restrict_oom_score_adj = true" in text


def test_pod_ranges_and_routes():
    assert [layout.pod_cidr(n) for n in layout.NODES] == ["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"]
    assert config.pod_routes("node01") == [("10.244.0.0/24", "172.31.250.10"), ("10.244.2.0/24", "172.31.250.12")]
    cni = json.loads(config.cni_config("node02"))
    bridge = cni["plugins"][0]
    assert bridge["type"] == "bridge" and bridge["ipMasq"] is False
    assert bridge["ipam"]["ranges"] == [[{"subnet": "10.244.2.0/24"}]]
    assert all(len(layout.host_veth(n)) <= 15 for n in layout.NODES)
    assert "172.31.250.11\tnode01" in config.hosts_file("node02")


def test_image_names_from_kubeadm_output():
    names = config.parse_images_list(IMAGES_LIST)
    assert names["coredns"] == "registry.k8s.io/coredns/coredns:v1.13.1"
    assert names["etcd"] == "registry.k8s.io/etcd:3.6.16-0"
    assert set(names) == {"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "coredns",
                          "pause", "etcd"}
    assert images.etcd_tag() == versions.get("etcd", "version").lstrip("v") + "-0"
    components = {**{c: [i] for c, i in names.items()}, **versions.get("node_images")}
    worker = images.for_node("node01", components)
    assert "kube-apiserver" not in worker and "pause" in worker and "busybox" in worker and "nginx" in worker
    assert len(images.for_node("controlplane", components)) == len(components)


def test_workload_images_cover_the_manifests():
    """Every image a manifest names from Docker Hub is built for the real-node runtime (or is meant to fail)."""
    built = {name.removeprefix("docker.io/library/").removeprefix("docker.io/")
             for names in versions.get("node_images").values() for name in names}
    used = set()
    for path in list(paths.ROOT.glob("manifests/**/*.yaml")) + list(paths.ROOT.glob("practice/**/*.yaml")):
        # `image:` in YAML, `--image=` of kubectl run/create, `container=image` of kubectl set image.
        used |= set(re.findall(r"(?:image: *[\"']?|--image[= ]|\s[\w-]+=)"
                               r"((?:busybox|nginxinc/[\w-]+|nginx|curlimages/curl)(?::[\w.-]+)?)\b",
                               path.read_text(encoding="utf-8")))
    used = {u if ":" in u else f"{u}:latest" for u in used}
    # Kept out on purpose: a tag that does not exist (the ImagePullBackOff example).
    missing = sorted(u for u in used - built if u != "nginxinc/nginx-unprivileged:1.27.99")
    assert not missing, f"add these to versions.yaml node_images: {missing}"


def test_cleanup_plans_unmount_and_rmdir_deepest_first(tmp_path):
    state = tmp_path / "cluster-kubeadm"
    mountinfo = "\n".join([
        f"30 1 0:30 / {state}/nodes/node01/root rw - overlay overlay rw",
        f"31 30 0:31 / {state}/nodes/node01/root/var/lib/x rw - tmpfs tmpfs rw",
        f"32 1 0:32 / {tmp_path}/cluster-kubeadm-other rw - tmpfs tmpfs rw",
        "33 1 0:33 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu",
    ])
    assert config.mounts_under(mountinfo, state) == [f"{state}/nodes/node01/root/var/lib/x",
                                                     f"{state}/nodes/node01/root"]
    dirs = ["/c/cka-kubeadm", "/c/cka-kubeadm/node01", "/c/cka-kubeadm/node01/kubepods", "/c/cka-kubeadm/node02"]
    order = config.cgroup_dirs_bottom_up(dirs)
    assert order.index("/c/cka-kubeadm/node01/kubepods") < order.index("/c/cka-kubeadm/node01") < order.index(
        "/c/cka-kubeadm")


def test_cgroup_hierarchies_from_mounts():
    mounts = ("cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n"
              "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n"
              "tmpfs /sys/fs/cgroup tmpfs rw 0 0\n")
    assert [str(p) for p in node.hierarchies(mounts)] == ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/unified"]


def test_oci_archive_layout(tmp_path):
    layer = images.Layer()
    layer.file("pause", b"#!/bin/true\n")
    layer.symlink("bin/sh", "busybox")
    dest = tmp_path / "pause.tar"
    images.write_archive(dest, ["registry.k8s.io/pause:3.10.1"], layer, ["/pause"])
    with tarfile.open(dest) as tar:
        index = json.load(tar.extractfile("index.json"))
        entry = index["manifests"][0]
        assert entry["annotations"]["io.containerd.image.name"] == "registry.k8s.io/pause:3.10.1"
        assert entry["platform"] == {"architecture": "amd64", "os": "linux"}
        manifest = json.load(tar.extractfile(f"blobs/sha256/{entry['digest'][7:]}"))
        image_config = json.load(tar.extractfile(f"blobs/sha256/{manifest['config']['digest'][7:]}"))
        assert image_config["config"]["Entrypoint"] == ["/pause"]
        layer_blob = tar.extractfile(f"blobs/sha256/{manifest['layers'][0]['digest'][7:]}")
        with tarfile.open(fileobj=layer_blob) as inner:
            assert {m.name for m in inner.getmembers()} == {"pause", "bin", "bin/sh"}


def test_lab_selector_per_runtime(monkeypatch):
    """Real nodes skip kwok's own tests, kubeadm also those that pull from a registry; binary skips real-node tests."""
    from cka.labs import manifests

    monkeypatch.setattr(manifests.os, "geteuid", lambda: 0)
    assert manifests.selector("binary") == "lab.nodes!=real"
    assert manifests.selector("kind") == "lab.nodes!=simulated"
    assert manifests.selector("kubeadm") == "lab.nodes!=simulated,lab.registry!=online"
    monkeypatch.setattr(manifests.os, "geteuid", lambda: 1000)
    assert manifests.selector("binary").endswith(",lab.host!=root")


def test_every_lab_label_is_one_the_selector_knows():
    known = {"lab.nodes": {"real", "simulated"}, "lab.registry": {"online"}, "lab.host": {"root"}}
    for path in paths.ROOT.glob("manifests/**/chainsaw-test.yaml"):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            for key, value in ((doc or {}).get("metadata", {}).get("labels") or {}).items():
                if key.startswith("lab."):
                    assert value in known.get(key, set()), f"{path}: unknown label {key}: {value}"


def test_tasks_on_real_nodes_run_on_kind_and_kubeadm_only():
    from cka.practice.tasks import Task

    nodes = Task.__new__(Task)
    nodes.__dict__["data"] = {"runtime": "nodes"}
    anywhere = Task.__new__(Task)
    anywhere.__dict__["data"] = {}
    assert [nodes.runs_on(r) for r in ("binary", "kind", "kubeadm", None)] == [False, True, True, False]
    assert all(anywhere.runs_on(r) for r in ("binary", "kind", "kubeadm"))


def test_ssh_wrapper_reaches_only_the_cluster_nodes(tmp_path, monkeypatch):
    """The wrapper hands the three node names to the runtime and every other host to the real ssh."""
    import subprocess

    from cka import cluster

    monkeypatch.setenv("CKA_TOOLS_DIR", str(tmp_path))
    monkeypatch.setenv("CLUSTER_RUNTIME", "kind")
    wrapper = cluster.write_node_access("kind")
    assert wrapper == tmp_path / "cluster" / "bin" / "ssh"
    assert cluster.write_node_access("binary") is None
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "docker").write_text('#!/bin/sh\necho "docker $*"\n')
    (fake / "docker").chmod(0o755)
    env = {"PATH": f"{fake}:/usr/bin:/bin"}
    out = subprocess.run([str(wrapper), "root@node01", "systemctl", "status", "kubelet"], env=env, text=True,
                         capture_output=True, stdin=subprocess.DEVNULL)
    assert out.stdout.strip() == "docker exec -i cka-worker bash -c systemctl status kubelet"
    text = wrapper.read_text()
    assert "controlplane|node01|node02" in text and "/usr/bin/ssh" in text


def test_a_hanging_api_server_is_unreachable_not_an_error(monkeypatch, tmp_path):
    """A cluster whose nodes were killed leaves its address routed but silent: `make cluster-up`
    must see it as not running (and clean it up), not stop on kubectl's timeout."""
    import shutil
    import socket
    import time

    from cka.cache import bin_dir
    from cka.cluster import reachable

    real_kubectl = bin_dir() / "kubectl"
    if not real_kubectl.exists():
        pytest.skip("kubectl is not installed (make tools)")
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts the connection, never answers the TLS handshake
    monkeypatch.setenv("CKA_TOOLS_DIR", str(tmp_path))
    monkeypatch.setenv("CLUSTER_RUNTIME", "kubeadm")
    (tmp_path / "bin").mkdir()
    shutil.copy(real_kubectl, tmp_path / "bin" / "kubectl")
    state_dir().mkdir(parents=True)
    (state_dir() / "kubeconfig").write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "silent",
        "clusters": [{"name": "silent", "cluster": {"server": f"https://127.0.0.1:{silent.getsockname()[1]}",
                                                    "insecure-skip-tls-verify": True}}],
        "contexts": [{"name": "silent", "context": {"cluster": "silent", "user": "nobody"}}],
        "users": [{"name": "nobody", "user": {"token": "none"}}]}))
    started = time.monotonic()
    try:
        assert reachable() is False
    finally:
        silent.close()
    assert time.monotonic() - started < 12


def test_a_cluster_one_minor_behind_installs_its_own_kubelet(monkeypatch, tmp_path):
    monkeypatch.setenv("CKA_TOOLS_DIR", str(tmp_path))
    monkeypatch.setenv("CLUSTER_RUNTIME", "kubeadm")
    usual = " ".join(node.nspawn_command("node01", tmp_path / "merged", tmp_path / "images"))
    packaged = " ".join(node.nspawn_command("node01", tmp_path / "merged", tmp_path / "images", packaged=True))
    for binary in node.PACKAGED_BINARIES:  # apt installs these into /usr/bin; a bind mount would hide the upgrade
        assert f":/usr/local/bin/{binary}" in usual and f":/usr/local/bin/{binary}" not in packaged
    assert ":/opt/cni/bin/bridge" in usual and ":/opt/cni/bin/" not in packaged  # kubernetes-cni holds them
    assert ":/usr/local/bin/containerd" in packaged  # the runtime is not a Kubernetes package


def test_the_release_names_and_their_versions(monkeypatch, tmp_path):
    kubeadm = runtime_module("kubeadm")
    assert kubeadm.release_version("current") == versions.kubernetes()
    assert kubeadm.release_version("previous") == versions.get("kubernetes", "previous_version")
    with pytest.raises(kubeadm.ClusterError, match="starts at `current`"):
        kubeadm.release_version("v1.33")
    monkeypatch.setenv("CKA_TOOLS_DIR", str(tmp_path))
    monkeypatch.setenv("CLUSTER_RUNTIME", "kubeadm")
    assert kubeadm.running_release() is None
    layout.state_dir().mkdir(parents=True)
    (layout.state_dir() / kubeadm.RELEASE_FILE).write_text("previous\n")
    assert kubeadm.running_release() == "previous"


def test_the_upgrade_images_carry_both_releases(monkeypatch):
    lists = {False: IMAGES_LIST, True: IMAGES_LIST.replace("v1.35.4", "v1.34.4").replace("v1.13.1", "v1.12.1")}
    monkeypatch.setattr(images, "kubeadm_images", lambda kubeadm, cfg: config.parse_images_list(lists[cfg == "old"]))
    monkeypatch.setattr(images, "binary", lambda name, previous=False: name)
    names = images.image_names("new", previous_config="old")
    assert names["kube-apiserver"] == ["registry.k8s.io/kube-apiserver:v1.35.4"]
    assert names["kube-apiserver" + images.PREVIOUS] == ["registry.k8s.io/kube-apiserver:v1.34.4"]
    assert names["coredns"] == ["registry.k8s.io/coredns/coredns:v1.13.1", "registry.k8s.io/coredns/coredns:v1.12.1"]
    assert names["pause"][0] == "registry.k8s.io/pause:3.10.1"  # containerd's sandbox image comes first
    worker = images.for_node("node01", names)
    assert "kube-proxy" + images.PREVIOUS in worker and "kube-apiserver" + images.PREVIOUS not in worker


SLOT_NAMES = ("from cka.cluster.nodes import layout; from cka.practice import tasks; "
              "print(layout.NETNS, layout.SUBNET, layout.HOST_VETH, layout.CGROUP, layout.machine('node01'), "
              "layout.state_dir().name, tasks.WORK.name)")


def slot_names(tmp_path, slot: str | None):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "KUBEADM_SLOT"}
    env.update(CKA_TOOLS_DIR=str(tmp_path), **({"KUBEADM_SLOT": slot} if slot is not None else {}))
    return subprocess.run([sys.executable, "-c", SLOT_NAMES], env=env, text=True, capture_output=True,
                          cwd=paths.ROOT)


def test_a_second_slot_has_names_of_its_own_and_a_bad_slot_is_one_clear_line(tmp_path):
    """KUBEADM_SLOT=2: every name a cluster owns on the host differs from the usual slot's, so two run at once."""
    usual, second = (slot_names(tmp_path, s).stdout.split() for s in (None, "2"))
    assert usual == ["cka-kubeadm", "172.31.250", "cka-kadm0", "cka-kubeadm", "node01", "cluster-kubeadm", "practice"]
    assert second == ["cka-kubeadm-2", "172.31.251", "cka-kadm1", "cka-kubeadm-2", "node01-2", "cluster-kubeadm-2",
                      "practice-2"]
    assert slot_names(tmp_path, "1").stdout.split() == usual
    bad = slot_names(tmp_path, "3")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("error: KUBEADM_SLOT=3: the kubeadm runtime has slots 1 and 2")


def test_the_ssh_wrapper_of_a_second_cluster_reaches_its_own_nodes(tmp_path, monkeypatch):
    from cka import cluster, slot

    monkeypatch.setenv("CKA_TOOLS_DIR", str(tmp_path))
    monkeypatch.setenv("CLUSTER_RUNTIME", "kubeadm")
    monkeypatch.setenv("KUBEADM_SLOT", "2")
    monkeypatch.setattr(slot, "number", lambda: 2)
    text = cluster.write_node_access("kubeadm").read_text()
    assert text.count("env CLUSTER_RUNTIME=kubeadm KUBEADM_SLOT=2 ") == 2
