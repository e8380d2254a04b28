"""Every external tool the project uses, from versions.yaml, with how to install it.

A tool lands in a versioned directory (`<cache>/tools/kubeconform-v0.7.0/`) and
`<cache>/bin/` holds one stable symlink per binary, so a version bump installs the new
tool by itself and a stale one is never picked up.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .. import versions as pinned
from ..cache import tools_dir
from ..paths import GO_SOURCES
from . import debian, go
from .go import ETCD_MODULES, K8S_BINARIES, K8S_NODE_BINARIES


@dataclass
class Tool:
    name: str
    version: str
    binaries: tuple[str, ...]
    kind: str  # "go", "debian", "data"
    summary: str
    install: Callable[["Tool", Path], None] = field(repr=False, default=None)
    verify: Callable[["Tool", Path], None] | None = field(repr=False, default=None)
    recipe: str = ""  # anything that changes the built result; hashed into the stamp
    estimate: str = ""  # cold install time, shown in the progress line
    package: str = ""  # Debian package
    min_version: str = ""  # Debian: oldest acceptable version
    optional: bool = False  # only for a cluster runtime that asks for it: `make tools` skips it
    on_path: bool = True  # False: no symlinks in bin/ (binaries that share names with another tool's)

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"

    @property
    def dir(self) -> Path:
        return tools_dir() / self.key

    @property
    def recipe_hash(self) -> str:
        return hashlib.sha256(f"{self.kind}|{self.version}|{self.recipe}".encode()).hexdigest()[:16]


def file_digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def registry(versions: dict | None = None) -> list[Tool]:
    """Every tool the project uses, in install order, from versions.yaml."""
    v = versions if versions is not None else pinned.load()
    tools: list[Tool] = []
    go_tools = pinned.get("go_tools", data=v)
    k8s_version = pinned.get("kubernetes", "version", data=v)

    def go_tool(name, binaries, packages, ldflags="", estimate="", tags="", summary="", optional=False):
        spec = pinned.get(name, data=go_tools)
        module, version = spec["module"], spec["version"]
        pkgs = [module + ("" if p in (".", "./") else "/" + p.lstrip("./")) for p in packages]
        tools.append(
            Tool(
                name=name,
                version=version,
                binaries=tuple(binaries),
                kind="go",
                summary=summary or f"{module} (go install)",
                install=lambda t, d, pkgs=pkgs, ldflags=ldflags, tags=tags: go.go_install(t, d, pkgs, ldflags, tags),
                recipe=f"{pkgs}|{ldflags}" + (f"|{tags}" if tags else ""),
                estimate=estimate,
                optional=optional,
            )
        )

    kind_version = pinned.get("kind", "version", data=go_tools)
    go_tool("kubeconform", ["kubeconform"], [go_tools["kubeconform"].get("package", ".")], estimate="~1 min")
    go_tool("actionlint", ["actionlint"], [go_tools["actionlint"].get("package", ".")], estimate="~1 min")
    # kwokctl defaults to the project's Kubernetes and kind versions.
    go_tool(
        "kwok",
        ["kwok", "kwokctl"],
        ["./cmd/kwok", "./cmd/kwokctl"],
        ldflags=(
            f"-X sigs.k8s.io/kwok/pkg/consts.KubeVersion={k8s_version.lstrip('v')} "
            f"-X sigs.k8s.io/kwok/pkg/consts.KindVersion={kind_version.lstrip('v')}"
        ),
        estimate="~2 min",
    )
    go_tool("kind", ["kind"], ["."], estimate="~1 min")
    go_tool("coredns", ["coredns"], ["."], estimate="~2 min")
    # metrics-server reports its version through client-go's version variable.
    metrics_server = pinned.get("metrics-server", data=go_tools)
    go_tool("metrics-server", ["metrics-server"], [metrics_server["package"]],
            ldflags=f"-X k8s.io/client-go/pkg/version.gitVersion={metrics_server['version']}", estimate="~2 min")
    # Helm's own version string comes from an ldflag (without it, `helm version` prints only the minor).
    helm = pinned.get("helm", data=go_tools)
    go_tool("helm", ["helm"], [helm.get("package", ".")], estimate="~2 min",
            ldflags=f"-X {helm['module']}/internal/version.version={helm['version']}")
    # The real-node runtime (cka.cluster.kubeadm): the container runtime, its CNI plugins and crictl.
    # Optional: built when that runtime starts (or by `python -m cka.tools install NAME`), not by `make tools`.
    containerd = pinned.get("containerd", data=go_tools)
    go_tool(
        "containerd",
        ["containerd", "containerd-shim-runc-v2", "ctr"],
        ["./cmd/containerd", "./cmd/containerd-shim-runc-v2", "./cmd/ctr"],
        ldflags=f"-X {containerd['module']}/version.Version={containerd['version']}",
        tags="no_btrfs no_devmapper no_zfs urfave_cli_no_docs",
        estimate="~2 min",
        optional=True,
    )
    cni = pinned.get("cni-plugins", data=go_tools)
    go_tool(
        "cni-plugins",
        cni["plugins"],
        [f"./plugins/{p}" for p in cni["packages"]],
        ldflags=f"-X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion={cni['version']}",
        estimate="~1 min",
        optional=True,
    )
    crictl = pinned.get("crictl", data=go_tools)
    go_tool("crictl", ["crictl"], [crictl["package"]],
            ldflags=f"-X {crictl['module']}/pkg/version.Version={crictl['version']}", estimate="~1 min", optional=True)
    def patched_go_tool(name, package, estimate, optional=False, ldflags_of=lambda t: ""):
        """A Go tool built from a copy of its module with scripts/go/patches/<name>/ applied."""
        spec = pinned.get(name, data=go_tools)
        patch_dir = GO_SOURCES / "patches" / name
        patches = sorted(p for p in patch_dir.rglob("*") if p.is_file() and p.suffix in (".go", ".yaml"))
        tools.append(
            Tool(
                name=name,
                version=spec["version"],
                binaries=(name,),
                kind="go",
                summary=f"{spec['module']} (patched, scripts/go/patches/{name})",
                install=lambda t, d: go.build_patched(t, d, spec["module"], patch_dir, ldflags_of(t), package),
                recipe=(file_digest(*patches) if patches else "") + ("" if package == "." else f"|{package}") + "|patched-1",
                estimate=estimate,
                optional=optional,
            )
        )

    # NetworkPolicy enforcement on the real-node runtime, patched to queue packets through the
    # NFQUEUE target (scripts/go/patches/kube-network-policies).
    patched_go_tool("kube-network-policies", go_tools["kube-network-policies"]["package"], "~2 min", optional=True)
    go_tool("local-path-provisioner", ["local-path-provisioner"], ["."], estimate="~2 min", optional=True)
    chainsaw = pinned.get("chainsaw", data=go_tools)
    # Patched for Go 1.25+ (scripts/go/patches/chainsaw).
    patched_go_tool("chainsaw", ".", "~3 min",
                    ldflags_of=lambda t: f"-X {chainsaw['module']}/pkg/version.BuildVersion={t.version}")

    def kubernetes_tool(name, version, staging, binaries, summary, verify, estimate, **extra):
        """Binaries of k8s.io/kubernetes at one release, built in a wrapper module with its staging modules."""
        tools.append(Tool(name=name, version=version, binaries=binaries, kind="go", summary=summary,
                          install=lambda t, d: go.build_kubernetes(t, d, staging), verify=verify,
                          recipe=f"{binaries}|{staging}|wrapper-2", estimate=estimate, **extra))

    staging = pinned.get("kubernetes", "staging", data=v)
    kubernetes_tool("kubernetes", k8s_version, staging, K8S_BINARIES,
                    f"k8s.io/kubernetes {k8s_version} (wrapper module, staging {staging})", go.verify_kubernetes, "~5 min")
    kubernetes_tool("kubernetes-node", k8s_version, staging, K8S_NODE_BINARIES,
                    f"kubelet and kube-proxy of k8s.io/kubernetes {k8s_version} (the real-node runtime)",
                    go.verify_kubernetes_node, "~1 min", optional=True)
    # The previous release, every binary, for the package repository of the upgrade exercise
    # (cka.cluster.nodes.packages). Its names are the current release's, so it stays off PATH.
    previous = pinned.get("kubernetes", "previous_version", data=v)
    kubernetes_tool("kubernetes-previous", previous, pinned.get("kubernetes", "previous_staging", data=v),
                    K8S_BINARIES + K8S_NODE_BINARIES,
                    f"k8s.io/kubernetes {previous}, every binary (the upgrade exercise's starting release)",
                    go.verify_kubernetes_all, "~5 min", optional=True, on_path=False)
    etcd_version = pinned.get("etcd", "version", data=v)
    tools.append(
        Tool(
            name="etcd",
            version=etcd_version,
            binaries=tuple(ETCD_MODULES),
            kind="go",
            summary=f"go.etcd.io/etcd {etcd_version} (wrapper module)",
            install=go.build_etcd,
            verify=go.verify_etcd,
            recipe=f"{sorted(ETCD_MODULES.items())}|wrapper-1",
            estimate="~2 min",
        )
    )
    def checker(name, version, summary, build, salt=""):
        """A small Go program of the project's own, scripts/go/<name>/main.go, built against a pinned module."""
        src = GO_SOURCES / name / "main.go"
        tools.append(
            Tool(
                name=name,
                version=version,
                binaries=(name,),
                kind="go",
                summary=f"{summary} (scripts/go/{name})",
                install=build,
                recipe=(file_digest(src) if src.exists() else "missing") + salt,
                estimate="~1 min",
            )
        )

    checker("etcdcheck", etcd_version, f"etcd configuration file checker on go.etcd.io/etcd/server/v3 {etcd_version}",
            go.build_etcdcheck)
    checker("kindcheck", kind_version, f"kind's own config loader and validation, sigs.k8s.io/kind {kind_version}",
            go.build_kindcheck)
    checker("configcheck", k8s_version, f"component config and kubeconfig checker on the {staging} staging modules",
            lambda t, d: go.build_configcheck(t, d, staging), salt=staging)
    gen = Path(__file__).resolve().parent.parent / "checks" / "schemas.py"
    tools.append(
        Tool(
            name="k8s-schemas",
            version=k8s_version,
            binaries=(),
            kind="data",
            summary=f"JSON schemas for kubeconform from k8s.io/kubernetes {k8s_version} api/openapi-spec",
            install=go.build_schemas,
            recipe=file_digest(gen) if gen.exists() else "missing",
            estimate="seconds",
        )
    )
    tools.append(
        Tool(
            name="chainsaw-schemas",
            version=chainsaw["version"],
            binaries=(),
            kind="data",
            summary=f"JSON schemas of chainsaw {chainsaw['version']} (what `chainsaw lint` checks), for kubeconform",
            install=lambda t, d: go.copy_chainsaw_schemas(t, d, chainsaw["module"]),
            recipe="copy-1",
            estimate="seconds",
        )
    )
    for name, spec in (v.get("operator_crds") or {}).items():
        tools.append(
            Tool(
                name=f"{name}-crds",
                version=spec["version"],
                binaries=(),
                kind="data",
                summary=f"CRD YAML of {spec['module']} {spec['version']} ({spec['dir']}), from the module cache",
                install=lambda t, d, spec=spec: go.copy_module_files(t, d, spec["module"], spec["dir"]),
                recipe="copy-2",
                estimate="seconds",
            )
        )
    for name, spec in (v.get("debian") or {}).items():
        tools.append(
            Tool(
                name=name,
                version="debian",
                binaries=tuple(spec.get("binaries") or [name]),
                kind="debian",
                summary=f"Debian package {spec.get('package', name)}"
                + (f" (>= {spec['min_version']})" if spec.get("min_version") else ""),
                install=debian.install_tool,
                package=spec.get("package", name),
                min_version=str(spec.get("min_version", "")),
            )
        )
    return tools




