"""The lab tests (chainsaw-test.yaml) against chainsaw's own JSON schemas: what `chainsaw lint test`
checks, for every file in one kubeconform run."""

from __future__ import annotations

import os

from .base import Check, Context, in_manifests_yaml
from .core import Problem, SourceFile
from .kubeconform import kubeconform


def run(files: list[SourceFile], ctx: Context) -> list[Problem]:
    schema_dir = ctx.chainsaw_schema_dir
    return kubeconform(files, ctx.bin("kubeconform"), schema_dir, set(), ctx.jobs, ctx.k8s_minor, ctx.cache,
                       location=os.path.join(str(schema_dir), "{{ .ResourceKind }}{{ .KindSuffix }}.json"),
                       tool="chainsaw")


CHECK = Check(
    name="chainsaw", run=run, tool=("kubeconform", "chainsaw-schemas"), yaml_semantics=True, label="chainsaw test",
    wants=lambda sf, ctx: in_manifests_yaml(sf) and "chainsaw" in ctx.owner(sf).values(),
)
