"""cka.tools: cache layout, version pinning, wrapper modules, idempotence, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cka import cache, tools, versions
from cka.errors import ProjectError
from cka.paths import ROOT
from cka.tools import debian, go, install

KK_GOMOD = """module k8s.io/kubernetes

go 1.25.0

godebug default=go1.25

require (
\tk8s.io/api v0.0.0
\tk8s.io/klog/v2 v2.130.1
)

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/client-go => ./staging/src/k8s.io/client-go
\tk8s.io/kubectl => ./staging/src/k8s.io/kubectl
)
"""


def run_tools(*args, env=None):
    return subprocess.run([sys.executable, "-m", "cka.tools", *args], cwd=ROOT, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def test_cache_dir_env(monkeypatch, tmp_path):
    monkeypatch.delenv("CKA_TOOLS_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "cka-guide"
    monkeypatch.setenv("CKA_TOOLS_DIR", str(tmp_path / "own"))
    assert cache.bin_dir() == tmp_path / "own" / "bin"


def test_every_version_comes_from_versions_yaml():
    v = versions.load()
    reg = {t.name: t for t in tools.registry(v)}
    for name, spec in v["go_tools"].items():
        assert reg[name].version == spec["version"]
    assert reg["kubernetes"].version == v["kubernetes"]["version"]
    assert reg["etcd"].version == v["etcd"]["version"]
    assert reg["k8s-schemas"].version == v["kubernetes"]["version"]
    assert reg["kindcheck"].version == v["go_tools"]["kind"]["version"]
    assert {"shellcheck", "haproxy"} <= set(reg)


def test_real_node_tools_are_optional():
    """`make tools` skips what only the kubeadm runtime needs; that runtime asks for them itself."""
    reg = {t.name: t for t in tools.registry()}
    assert {n for n, t in reg.items() if t.optional} == {"kubernetes-node", "containerd", "cni-plugins", "crictl",
                                                         "kube-network-policies", "local-path-provisioner",
                                                         "kubernetes-previous"}
    assert set(reg["kubernetes-node"].binaries) == {"kubelet", "kube-proxy"}
    assert set(reg["containerd"].binaries) == {"containerd", "containerd-shim-runc-v2", "ctr"}
    assert set(reg["cni-plugins"].binaries) == {"bridge", "loopback", "host-local", "portmap"}


def test_versioned_dir_and_binaries():
    reg = {t.name: t for t in tools.registry()}
    assert reg["kubeconform"].dir.name == f"kubeconform-{reg['kubeconform'].version}"
    assert set(reg["kubernetes"].binaries) == {"kubeadm", "kube-apiserver", "kube-controller-manager",
                                               "kube-scheduler", "kubectl"}
    assert set(reg["etcd"].binaries) == {"etcd", "etcdctl", "etcdutl"}
    assert set(reg["kwok"].binaries) == {"kwok", "kwokctl"}


def test_staging_modules_are_derived_from_go_mod(tmp_path):
    assert go.kubernetes_staging_modules(KK_GOMOD) == ["k8s.io/api", "k8s.io/client-go", "k8s.io/kubectl"]
    with pytest.raises(ProjectError):  # too few: refuses to guess
        go.write_kubernetes_wrapper(tmp_path, "v1.35.4", "v0.35.4", KK_GOMOD)
    many = KK_GOMOD.replace(
        "replace (\n",
        "replace (\n" + "".join(f"\tk8s.io/m{i} => ./staging/src/k8s.io/m{i}\n" for i in range(20)),
    )
    go.write_kubernetes_wrapper(tmp_path, "v1.35.4", "v0.35.4", many)
    gomod = (tmp_path / "go.mod").read_text()
    assert "require k8s.io/kubernetes v1.35.4" in gomod
    assert "\tk8s.io/client-go => k8s.io/client-go v0.35.4" in gomod
    assert "\tk8s.io/m7 => k8s.io/m7 v0.35.4" in gomod
    assert "klog" not in gomod
    assert "godebug default=go1.25" in gomod and "go 1.25.0" in gomod


def test_etcd_wrapper_turns_relative_replaces_into_versions(tmp_path):
    server = "module go.etcd.io/etcd/server/v3\n\ngo 1.26.0\n\nreplace (\n\tgo.etcd.io/etcd/api/v3 => ../api\n" \
             "\tgo.etcd.io/etcd/pkg/v3 => ../pkg\n)\n\nreplace go.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY\n"
    ctl = "module go.etcd.io/etcd/etcdctl/v3\n\ngo 1.25.0\n\nreplace go.etcd.io/etcd/client/v3 => ../client/v3\n"
    go.write_etcd_wrapper(tmp_path, "v3.6.16", {"go.etcd.io/etcd/server/v3": server,
                                                   "go.etcd.io/etcd/etcdctl/v3": ctl})
    gomod = (tmp_path / "go.mod").read_text()
    assert "go 1.26.0" in gomod
    for mod in ("api/v3", "pkg/v3", "client/v3", "server/v3", "etcdctl/v3"):
        assert f"\tgo.etcd.io/etcd/{mod} => go.etcd.io/etcd/{mod} v3.6.16" in gomod
    assert "FORBIDDEN" not in gomod and "=> ../" not in gomod


def test_select_by_tool_or_binary_name():
    reg = tools.registry()
    assert [t.name for t in tools.select(reg, ["kubectl", "etcdctl", "kubeadm"])] == ["kubernetes", "etcd"]
    with pytest.raises(ProjectError, match="unknown tool 'nope'"):
        tools.select(reg, ["nope"])


def test_status_and_links(monkeypatch, tmp_path):
    monkeypatch.setenv("CKA_TOOLS_DIR", str(tmp_path))
    t = tools.Tool(name="demo", version="v1.0.0", binaries=("demo",), kind="go", summary="", recipe="r1")
    assert tools.status(t) == "missing"
    t.dir.mkdir(parents=True)
    (t.dir / "demo").write_text("#!/bin/sh\necho demo\n")
    (t.dir / install.STAMP).write_text(json.dumps({"recipe": t.recipe_hash}))
    assert tools.status(t) == "ok"
    assert not install.links_ok(t)
    install.link(t)
    assert install.links_ok(t)
    assert os.readlink(tmp_path / "bin" / "demo") == "../tools/demo-v1.0.0/demo"
    t2 = tools.Tool(name="demo", version="v1.0.0", binaries=("demo",), kind="go", summary="", recipe="r2")
    assert tools.status(t2) == "outdated"  # a changed recipe rebuilds


def test_path_and_list_commands(tmp_path):
    env = dict(os.environ, CKA_TOOLS_DIR=str(tmp_path))
    proc = run_tools("path", env=env)
    assert proc.returncode == 0 and proc.stdout.strip() == str(tmp_path / "bin")
    proc = run_tools("list", env=env)
    assert proc.returncode == 0
    assert "kubeconform" in proc.stdout and "missing" in proc.stdout


def test_missing_go_is_one_sentence(tmp_path):
    env = dict(os.environ, CKA_TOOLS_DIR=str(tmp_path), PATH="/nonexistent")
    proc = run_tools("install", "kubeconform", env=env)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: go is not installed") and "Traceback" not in proc.stderr


def test_missing_apt_get_is_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("CKA_TOOLS_DIR", str(tmp_path))
    monkeypatch.setattr(debian, "find_system_binary", lambda name: None)
    monkeypatch.setattr(debian, "dpkg_version", lambda package: "")
    monkeypatch.setattr(debian.shutil, "which", lambda name, path=None: None)
    t = tools.Tool(name="haproxy", version="debian", binaries=("haproxy",), kind="debian", summary="",
                   install=debian.install_tool, package="haproxy")
    with pytest.raises(ProjectError, match="haproxy is not installed and this system has no apt-get"):
        debian.install_tool(t, tmp_path / "out")


def test_unknown_name_is_one_sentence(tmp_path):
    proc = run_tools("install", "nope", env=dict(os.environ, CKA_TOOLS_DIR=str(tmp_path)))
    assert proc.returncode == 1 and proc.stderr.startswith("error: unknown tool 'nope'")


def test_warm_install_builds_nothing():
    """With everything installed (the normal state after `make tools`), a run builds and installs nothing."""
    default = [t for t in tools.registry() if not t.optional]
    missing = [t.name for t in default if tools.status(t) != "ok"]
    assert not missing, f"tools not installed: {missing}; `make test` installs them first (make tools)"
    proc = run_tools("install")
    assert proc.returncode == 0, proc.stderr
    assert f"all {len(default)} tools are installed" in proc.stdout
    assert "building" not in proc.stdout and "installing" not in proc.stdout


def test_patch_edits_must_match_exactly(tmp_path):
    """An edit whose text the pinned module no longer has stops the build and names the edit."""
    from cka.errors import ProjectError
    from cka.tools.go import apply_edits

    (tmp_path / "a.go").write_text("x := 1\nx := 1\n")
    edits = tmp_path / "edits.yaml"
    edits.write_text("- {file: a.go, count: 2, why: test, old: \"x := 1\\n\", new: \"x := 2\\n\"}\n")
    apply_edits(tmp_path, edits)
    assert (tmp_path / "a.go").read_text() == "x := 2\nx := 2\n"
    with pytest.raises(ProjectError, match=r"edit 1 expects its `old` text 2 time\(s\) in a.go, found 0"):
        apply_edits(tmp_path, edits)


def demo_tools(build):
    return [tools.Tool(name=f"demo{i}", version="v1.0.0", binaries=(f"demo{i}",), kind="go", summary="", recipe="r",
                       install=build) for i in range(3)]


def test_a_first_install_builds_two_go_tools_at_a_time_with_tagged_lines(monkeypatch, tmp_path, capsys):
    import threading
    import time

    from cka.console import say

    monkeypatch.setenv("CKA_TOOLS_DIR", str(tmp_path))
    running, most = set(), []
    guard = threading.Lock()

    def build(tool, out):
        with guard:
            running.add(tool.name)
            most.append(len(running))
        say("compiling")
        time.sleep(0.4)
        (out / tool.binaries[0]).write_text("#!/bin/sh\n")
        with guard:
            running.discard(tool.name)

    demo = demo_tools(build)
    monkeypatch.setattr(install, "registry", lambda: demo)
    install.ensure([t.name for t in demo])
    assert max(most) == install.BUILDS_AT_ONCE == 2
    assert all(tools.status(t) == "ok" for t in demo)
    out = capsys.readouterr().out
    assert all(f"[demo{i}] compiling" in out for i in range(3))


def test_a_failed_build_beside_another_fails_the_install_and_keeps_the_other(monkeypatch, tmp_path):
    monkeypatch.setenv("CKA_TOOLS_DIR", str(tmp_path))

    def build(tool, out):
        if tool.name == "demo0":
            raise ProjectError("demo0 failed to compile")
        (out / tool.binaries[0]).write_text("#!/bin/sh\n")

    demo = demo_tools(build)
    monkeypatch.setattr(install, "registry", lambda: demo)
    with pytest.raises(ProjectError, match="demo0 failed to compile"):
        install.ensure([t.name for t in demo])
    assert [tools.status(t) for t in demo] == ["missing", "ok", "ok"]
