"""kubeconform -strict: Kubernetes objects against the JSON schemas of the pinned version
(generated offline from the API server's own OpenAPI document, cka/checks/schemas.py)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from ..content import Doc, scan_docs
from . import schemas
from .base import Check, Context, in_manifests_yaml, one_line, run_process
from .cache import ResultCache, cached
from .core import Problem, SourceFile, find_line, pointer_line

_AT = re.compile(r"at '(/[^']*)': (.*?)(?=\s+- at '|$)")


def _kubeconform_messages(msg: str) -> list[tuple[str, str]]:
    """Leaf (pointer, message) pairs from kubeconform's nested jsonschema message."""
    pairs = [(p, m.strip()) for p, m in _AT.findall(msg)]
    leaves = [(p, m) for p, m in pairs if m not in ("validation failed", "anyOf failed", "allOf failed", "oneOf failed")]
    out = []
    for p, m in leaves or pairs:
        m = m.replace("want null or ", "want ").replace(" or null", "")
        m = re.sub(r"additional propert(y|ies) (.+) not allowed", r"unknown field \2", m)
        m = re.sub(r"missing propert(y|ies) (.+)", r"missing required field \2", m)
        out.append((p, m))
    return out


def kubeconform(
    files: list[SourceFile],
    kubeconform_bin: str,
    schema_dir: Path,
    skip_gvks: set[str],
    jobs: int,
    k8s_minor: str,
    cache: ResultCache,
    location: str | None = None,
    tool: str = "kubeconform",
) -> list[Problem]:
    """kubeconform -strict on many files at once; `location`/`tool` reuse it for chainsaw's own schemas."""
    if not files:
        return []
    location = location or schemas.location(schema_dir)
    key = hashlib.sha256((location + "|" + ",".join(sorted(skip_gvks))).encode()).hexdigest()[:12]
    cmd = [kubeconform_bin, "-strict", "-output", "json", "-n", str(max(jobs, 1)), "-schema-location", location]
    if skip_gvks:
        cmd += ["-skip", ",".join(sorted(skip_gvks))]

    def run(todo: list[SourceFile]) -> list[Problem]:
        index = schemas.load_index(schema_dir)
        by_kind: dict[str, list[str]] = {}
        for e in index:
            by_kind.setdefault(e["kind"].lower(), []).append(e["apiVersion"])
        by_path = {str(sf.path): sf for sf in todo}
        problems: list[Problem] = []
        # Keep each command line well below ARG_MAX.
        batches, cur, size = [], [], 0
        for sf in todo:
            if cur and size + len(str(sf.path)) > 100_000:
                batches.append(cur)
                cur, size = [], 0
            cur.append(sf)
            size += len(str(sf.path)) + 1
        if cur:
            batches.append(cur)
        for batch in batches:
            proc = run_process(cmd + [str(sf.path) for sf in batch])
            try:
                data = json.loads(proc.stdout or "{}")
            except ValueError:
                raise RuntimeError(f"kubeconform failed: {(proc.stderr or proc.stdout).strip()[:500]}")
            for res in data.get("resources") or []:
                sf = by_path.get(res.get("filename", ""))
                if sf is None:
                    continue
                problems += [
                    Problem(sf.rel, ln, tool, msg, hint)
                    for ln, _, msg, hint in _kubeconform_result(sf, res, by_kind, k8s_minor)
                ]
        return problems

    return cached(cache, tool, key, files, run)


def _match_doc(docs: list[Doc], res: dict) -> Doc | None:
    for d in docs:
        if d.kind == res.get("kind") and d.api_version == res.get("version") and (d.name or "") == (res.get("name") or ""):
            return d
    for d in docs:
        if d.kind == res.get("kind") and d.api_version == res.get("version"):
            return d
    return None


def _kubeconform_result(sf: SourceFile, res: dict, by_kind: dict, k8s_minor: str) -> list[tuple]:
    """(line, tool, message, hint) tuples for one kubeconform result."""
    docs = scan_docs(sf.text)
    doc = _match_doc(docs, res)
    line = doc.line if doc else 1
    kind, version, name = res.get("kind", ""), res.get("version", ""), res.get("name", "")
    label = f"{kind} {name}".strip() if kind else ""
    msg = res.get("msg", "")
    out = []
    if msg.startswith("could not find schema"):
        served = by_kind.get(kind.lower(), [])
        hint = (
            f"{kind} is served as {', '.join(served)} in Kubernetes {k8s_minor}"
            if served
            else f"use a kind and apiVersion that Kubernetes {k8s_minor} serves (kubectl api-resources); "
            "a component's configuration file needs a checker in scripts/go/configcheck"
        )
        line = find_line(sf.text, "apiVersion", line) or line
        out.append((line, "kubeconform", f"{version} {kind} does not exist in Kubernetes {k8s_minor}", hint))
        return out
    if res.get("status") == "statusInvalid" and "at '" in msg:
        for pointer, m in _kubeconform_messages(msg):
            unknown = re.match(r"unknown field '([^']+)'", m)
            target = f"{pointer.rstrip('/')}/{unknown.group(1)}" if unknown else pointer
            pl = pointer_line(sf.text, doc.index, target) if doc else None
            out.append((pl or line, "kubeconform", f"{label}: {pointer}: {m}", ""))
        return out
    m = re.search(r"line (\d+): (.*)", msg)
    if m:
        return [(int(m.group(1)), "kubeconform", one_line(m.group(2)), "")]
    out.append((line, "kubeconform", one_line(f"{label}: {msg}" if label else msg), ""))
    return out



def run(files: list[SourceFile], ctx: Context) -> list[Problem]:
    return kubeconform(files, ctx.bin("kubeconform"), ctx.schema_dir, ctx.owned_elsewhere(), ctx.jobs,
                       ctx.k8s_minor, ctx.cache)


def wants(sf: SourceFile, ctx: Context) -> bool:
    if in_manifests_yaml(sf):
        return "kubeconform" in ctx.owner(sf).values()
    # A JSON file of manifests/ that is a Kubernetes object (not a CNI configuration).
    return sf.rel.startswith("manifests/") and sf.path.suffix == ".json" and sf.kind == "manifest"


CHECK = Check(name="kubeconform", run=run, wants=wants, tool=("kubeconform", "k8s-schemas"), yaml_semantics=True, label="manifest")
