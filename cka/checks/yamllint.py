"""yamllint: every YAML file (.yamllint.yaml), with yamllint's own messages."""

from __future__ import annotations

import hashlib

from .. import content
from ..content import YAML_SUFFIXES as YAML_EXT
from ..paths import ROOT
from .base import Check, Context
from .core import CONTENT_DIRS, Problem, SourceFile


def _yamllint_chunk(args):
    config_text, items = args
    from yamllint import linter
    from yamllint.config import YamlLintConfig

    conf = YamlLintConfig(config_text)
    _fast_syntax_check(linter)
    out = []
    for rel, text in items:
        probs = []
        for p in linter.run(text, conf, rel):
            rule = f" ({p.rule})" if p.rule else ""
            probs.append((p.line, p.level, f"{p.desc}{rule}"))
        out.append((rel, probs))
    return out


def _fast_syntax_check(linter) -> None:
    """Let yamllint's syntax check parse with libyaml first (20x faster); the pure-Python parser
    runs only on a file that fails, so the message stays exactly yamllint's."""
    import yaml

    if getattr(linter, "_cka_fast", False) or not hasattr(yaml, "CBaseLoader"):
        return
    slow = linter.get_syntax_error

    def get_syntax_error(buffer):
        try:
            for _ in yaml.parse(buffer, Loader=yaml.CBaseLoader):
                pass
            return None
        except yaml.YAMLError:
            return slow(buffer)

    linter.get_syntax_error = get_syntax_error
    linter._cka_fast = True


def run(files: list[SourceFile], ctx: Context) -> list[Problem]:
    config_path = ctx.root / ".yamllint.yaml"
    if not config_path.exists():
        config_path = ROOT / ".yamllint.yaml"
    jobs, cache = ctx.jobs, ctx.cache
    config_text = config_path.read_text()
    key = hashlib.sha256(config_text.encode()).hexdigest()[:12]
    todo, results = [], {}
    for sf in files:
        hit = cache.get("yamllint", key, sf.text)
        if hit is None:
            todo.append((sf.rel, sf.text))
        else:
            results[sf.rel] = hit
    if todo:
        if jobs > 1 and len(todo) >= 64:
            import multiprocessing

            size = max(16, len(todo) // (jobs * 4))
            chunks = [(config_text, todo[i : i + size]) for i in range(0, len(todo), size)]
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                parts = pool.map(_yamllint_chunk, chunks)
        else:
            parts = [_yamllint_chunk((config_text, todo))]
        texts = dict(todo)
        for part in parts:
            for rel, probs in part:
                results[rel] = probs
                cache.put("yamllint", key, texts[rel], probs)
    problems = []
    for rel, probs in results.items():
        for line, level, desc in probs:
            if level == "error":
                problems.append(Problem(rel, line, "yamllint", desc))
            else:
                problems.append(Problem(rel, line, "yamllint", f"warning: {desc}"))
    return problems



CHECK = Check(name="yamllint", run=run, label="YAML",
              wants=lambda sf, ctx: sf.path.suffix.lower() in YAML_EXT and sf.rel.split("/", 1)[0] in CONTENT_DIRS
              # a Helm chart's templates are Go templates, not YAML (Chart.yaml and values.yaml are)
              and not (sf.kind == content.CHART and "/templates/" in sf.rel))
