"""What a static check is, and what every check may ask of the run (the Context).

A check is one module of cka/checks/ with one `CHECK = Check(...)`, listed once in
cka/checks/__init__.py. It says which files it wants and how to check them:

    CHECK = Check(
        name="haproxy",                     # the tag of its messages: path:line: [haproxy] ...
        wants=lambda sf, ctx: sf.kind == content.HAPROXY,
        run=run,                            # (files, ctx) -> [Problem]
        tool="haproxy",                     # cka.tools registry entry, installed on demand
        binary="haproxy",                   # results cached per file content and binary
    )
"""

from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .. import versions
from ..cache import tool_path
from .cache import ResultCache
from .core import Problem, SourceFile, Tree


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[list[SourceFile], "Context"], list[Problem]]
    wants: Callable[[SourceFile, "Context"], bool] = lambda sf, ctx: False
    tool: str | tuple[str, ...] | None = None  # the tools registry entries it needs
    binary: str | None = None      # cache results per (binary, file content); None: no per-file cache
    aliases: tuple[str, ...] = ()  # other names a file may give it after `# Expect-invalid:`
    whole_tree: bool = False       # runs once on the whole tree (wants() is not asked)
    yaml_semantics: bool = False   # reads YAML: a file that does not parse is left to yamllint
    label: str = ""                # what it checks, for the summary line ("HAProxy", "manifest")

    @property
    def tools(self) -> tuple[str, ...]:
        return (self.tool,) if isinstance(self.tool, str) else tuple(self.tool or ())


@dataclass
class Context:
    """The run: the tree, parallelism, the result cache, the pinned Kubernetes minor and what the
    routing of YAML files needs (the schema index and the component configuration kinds)."""

    tree: Tree
    jobs: int
    cache: ResultCache
    binary_path: Callable[[str], str] = tool_path
    _memo: dict = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.tree.root

    def bin(self, name: str) -> str:
        return self.binary_path(name)

    @functools.cached_property
    def k8s_minor(self) -> str:
        return str(versions.get("kubernetes", "minor"))

    @functools.cached_property
    def schema_dir(self) -> Path:
        from ..tools import registry
        return next(t.dir for t in registry() if t.name == "k8s-schemas")

    @functools.cached_property
    def chainsaw_schema_dir(self) -> Path:
        from ..tools import registry
        return next(t.dir for t in registry() if t.name == "chainsaw-schemas")

    @functools.cached_property
    def schema_index(self) -> set[str]:
        from . import schemas
        return {f"{e['apiVersion']}/{e['kind']}" for e in schemas.load_index(self.schema_dir)}

    @functools.cached_property
    def builtin_groups(self) -> set[str]:
        """The API groups Kubernetes itself serves (from the schema index): any other group is a CRD's."""
        return {gvk.split("/")[0] for gvk in self.schema_index if gvk.count("/") == 2}

    @functools.cached_property
    def config_kinds(self) -> set[str]:
        """apiVersion/kind of the component configurations configcheck reads (KubeletConfiguration, ...)."""
        proc = subprocess.run([self.bin("configcheck"), "-list"], stdout=subprocess.PIPE, text=True)
        return {ln.strip() for ln in proc.stdout.splitlines() if ln.strip()}

    def owner(self, sf: SourceFile) -> dict[str, str]:
        """For a YAML file of manifests/: which check reads each of its documents (gvk -> check).
        One place decides, so the checks never disagree about who owns a document."""
        if sf.rel in self._memo:
            return self._memo[sf.rel]
        from ..content import LAB_TEST, is_config_group, is_etcd_config, scan_docs
        docs = scan_docs(sf.text)
        owners: dict[str, str] = {}
        groups = {d.group for d in docs}
        if not docs:
            owners[""] = "etcd" if is_etcd_config(sf.text) else "kubeconform"
        elif sf.path.name == LAB_TEST or "chainsaw.kyverno.io" in groups:
            owners.update({d.gvk: "chainsaw" for d in docs})
        elif "kubeadm.k8s.io" in groups:
            # kubeadm validates the KubeletConfiguration/KubeProxyConfiguration documents beside it.
            owners.update({d.gvk: "kubeadm" for d in docs})
        else:
            for d in docs:
                if d.group == "kind.x-k8s.io":
                    owners[d.gvk] = "kind"
                elif d.gvk not in self.schema_index and d.gvk in self.config_kinds:
                    owners[d.gvk] = "configcheck"
                elif d.group and d.group not in self.builtin_groups and not is_config_group(d.group):
                    # A custom resource: its schema is the CRD's, which the lab's API server applies.
                    owners[d.gvk] = "custom"
                else:
                    owners[d.gvk] = "kubeconform"
        self._memo[sf.rel] = owners
        return owners

    def owned_elsewhere(self) -> set[str]:
        """GVKs that a check other than kubeconform reads: kubeconform must not look for their schema."""
        return {gvk for owners in self._memo.values() for gvk, who in owners.items() if gvk and who != "kubeconform"}


def run_process(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def one_line(msg: str) -> str:
    return " ".join(msg.split())


def in_manifests_yaml(sf: SourceFile) -> bool:
    return sf.rel.startswith("manifests/") and sf.path.suffix.lower() in (".yaml", ".yml") and sf.kind not in (
        "chart", "kustomization", "helm-values")
