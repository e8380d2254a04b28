"""configcheck (scripts/go/configcheck): kubeconfig files and component configurations
(KubeletConfiguration, KubeProxyConfiguration, ...) decoded strictly by their own Go types."""

from __future__ import annotations

from .base import Check, Context, in_manifests_yaml
from .core import Problem, SourceFile
from .linetool import line_tool


def run(files: list[SourceFile], ctx: Context) -> list[Problem]:
    return line_tool(files, [ctx.bin("configcheck")], "configcheck")


CHECK = Check(
    name="configcheck", run=run, tool="configcheck", binary="configcheck", yaml_semantics=True,
    aliases=("kubeconfig",), label="component config",
    wants=lambda sf, ctx: in_manifests_yaml(sf) and "configcheck" in ctx.owner(sf).values(),
)
