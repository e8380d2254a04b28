"""One function per checking tool. Each takes SourceFiles and returns Problems.

Tools run as subprocesses from the tools cache (scripts/tools.py); none of them
reaches the network.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .core import Doc, Problem, SourceFile, find_line, pointer_line, scan_docs
from . import schemas

# --------------------------------------------------------------------------- helpers


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _first_line(msg: str) -> str:
    return " ".join(msg.split())


# --------------------------------------------------------------------------- yamllint


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


def yamllint(files: list[SourceFile], config_path: Path, jobs: int, cache: "ResultCache") -> list[Problem]:
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


# --------------------------------------------------------------------------- kubeconform

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
    cache: "ResultCache",
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
            proc = _run(cmd + [str(sf.path) for sf in batch])
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
        return [(int(m.group(1)), "kubeconform", _first_line(m.group(2)), "")]
    out.append((line, "kubeconform", _first_line(f"{label}: {msg}" if label else msg), ""))
    return out


# --------------------------------------------------------------------------- kubeadm


def _kubeadm_one(kubeadm: str, sf: SourceFile) -> list[Problem]:
    proc = _run([kubeadm, "config", "validate", "--config", str(sf.path)], env=_offline_env())
    if proc.returncode == 0:
        return []
    text = (proc.stderr or proc.stdout).strip()
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith(("W", "I")) or ln.startswith("error")]
    msg = _first_line(" ".join(lines) or text)
    msg = re.sub(r"^error:?\s*", "", msg)
    msg = re.sub(r"\s*To see the stack trace of this error execute with --v=5 or higher\s*$", "", msg)
    msg = re.sub(
        r'error unmarshaling configuration schema\.GroupVersionKind\{Group:"([^"]*)", Version:"([^"]*)", Kind:"([^"]*)"\}:\s*',
        r"\3 (\1/\2): ",
        msg,
    )
    msg = msg.replace("strict decoding error: ", "")
    line = 1
    m = re.search(r'unknown field "([^"]+)"', msg)
    if m:
        line = find_line(sf.text, m.group(1).split(".")[-1]) or 1
    else:
        m = re.search(r"line (\d+)", msg)
        if m:
            line = int(m.group(1))
        else:
            m = re.search(r"([A-Za-z][\w]*(?:\.[\w\[\]]+)+): ", msg)
            if m:
                line = find_line(sf.text, re.sub(r"\[\d+\]", "", m.group(1)).split(".")[-1]) or 1
    return [Problem(sf.rel, line, "kubeadm", msg)]


def _offline_env() -> dict:
    env = dict(os.environ)
    # kubeadm looks up "stable" versions on the network when kubernetesVersion is unset; there is no proxy here.
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(k, None)
    return env


def kubeadm(files: list[SourceFile], kubeadm_bin: str, jobs: int) -> list[Problem]:
    with ThreadPoolExecutor(max(jobs, 1)) as ex:
        return [p for ps in ex.map(lambda sf: _kubeadm_one(kubeadm_bin, sf), files) for p in ps]


# --------------------------------------------------------------------------- configcheck / kindcheck

_LOC = re.compile(r"^(?P<path>.+?):(?P<line>\d+)?:? (?P<msg>.*)$")


def _line_tool(files: list[SourceFile], cmd: list[str], tool: str) -> list[Problem]:
    if not files:
        return []
    by_path = {str(sf.path): sf for sf in files}
    proc = _run(cmd + list(by_path))
    problems = []
    for raw in proc.stdout.splitlines():
        sf, rest = None, raw
        for p, s in by_path.items():
            if raw.startswith(p + ":"):
                sf, rest = s, raw[len(p) + 1 :]
                break
        if sf is None:
            continue
        line = 1
        m = re.match(r"(\d+): (.*)", rest)
        if m:
            line, rest = int(m.group(1)), m.group(2)
        rest = rest.strip()
        m = re.search(r"\bline (\d+)\b", rest)
        if m:
            line = int(m.group(1))
        m = re.search(r'unknown field "([^"]+)"', rest)
        if m:
            line = find_line(sf.text, m.group(1).split(".")[-1], line) or line
        if line == 1:
            line = _quoted_value_line(sf.text, rest) or line
        problems.append(Problem(sf.rel, line, tool, rest))
    if proc.returncode != 0 and not problems:
        problems.append(Problem(files[0].rel, 1, tool, _first_line(proc.stderr or proc.stdout or "failed")))
    return problems


def _quoted_value_line(text: str, msg: str) -> int | None:
    """Line of a YAML value that an error message quotes, e.g. '"master" is not a valid node role'."""
    for value in reversed(re.findall(r'"([^"\s]+)"', msg)):
        pat = re.compile(r":\s*['\"]?" + re.escape(value) + r"['\"]?\s*(#.*)?$")
        for n, line in enumerate(text.splitlines(), 1):
            if pat.search(line):
                return n
    return None


def configcheck(files: list[SourceFile], binary: str) -> list[Problem]:
    return _line_tool(files, [binary], "configcheck")


def kindcheck(files: list[SourceFile], binary: str) -> list[Problem]:
    problems = _line_tool(files, [binary], "kind")
    for p in problems:
        m = re.search(r"field (\S+) not found", p.message)
        if m and p.line == 1:
            p.line = find_line(Path(p.path).name and _text(files, p.path), m.group(1)) or 1
    return problems


def _text(files, rel):
    return next((sf.text for sf in files if sf.rel == rel), "")


ETCD_KEYS = ("data-dir", "listen-client-urls", "listen-peer-urls", "initial-cluster", "advertise-client-urls")


def is_etcd_config(text: str) -> bool:
    """A YAML mapping with etcd's own keys (etcd --config-file), not a Kubernetes object."""
    keys = set(re.findall(r"^([a-z][a-z0-9-]*):", text, re.M))
    return "apiVersion" not in keys and len(keys & set(ETCD_KEYS)) >= 2


def etcdcheck(files: list[SourceFile], binary: str, jobs: int) -> list[Problem]:
    def one(sf: SourceFile) -> list[Problem]:
        proc = _run([binary, str(sf.path)])
        if proc.returncode == 0:
            return []
        msgs = [ln[len(str(sf.path)) + 2 :] for ln in proc.stdout.splitlines() if ln.startswith(str(sf.path) + ": ")]
        # etcd's loader exits by itself on some errors, printing one plain line (its logs are JSON).
        msgs += [ln.strip() for ln in proc.stderr.splitlines() if ln.strip() and not ln.lstrip().startswith("{")]
        out = []
        for m in msgs or ["rejected"]:
            line = None
            key = re.search(r'unknown field "([^"]+)"|setting up ([a-z-]+):|^([a-z-]+) ', m)
            if key:
                line = find_line(sf.text, next(g for g in key.groups() if g))
            out.append(Problem(sf.rel, line or _quoted_value_line(sf.text, m) or 1, "etcd", m))
        return out

    with ThreadPoolExecutor(max(jobs, 1)) as ex:
        return [p for ps in ex.map(one, files) for p in ps]


def configcheck_kinds(binary: str) -> set[str]:
    proc = _run([binary, "-list"])
    return {ln.strip() for ln in proc.stdout.splitlines() if ln.strip()}


# --------------------------------------------------------------------------- haproxy


def haproxy(files: list[SourceFile], binary: str, jobs: int) -> list[Problem]:
    def one(sf: SourceFile) -> list[Problem]:
        # -c: check only. -dr: a server address that does not resolve is not fatal; without it,
        # an example's host name (the lab's node names) would fail offline for no fault of the file.
        proc = _run([binary, "-c", "-dr", "-f", str(sf.path)])
        if proc.returncode == 0:
            return []
        out = []
        for raw in (proc.stderr + proc.stdout).splitlines():
            if "[ALERT]" not in raw:
                continue
            m = re.search(r"\[[^\]]+:(\d+)\]", raw)
            msg = re.sub(r"^\[ALERT\]\s*(\(\d+\)\s*)?:\s*", "", raw.strip())
            msg = re.sub(r"^(config\s*:\s*)?(parsing\s*)?(\[[^\]]+:\d+\]\s*:\s*)?", "", msg)
            out.append(Problem(sf.rel, int(m.group(1)) if m else 1, "haproxy", msg.strip()))
        fatal = [p for p in out if "fatal errors" not in p.message.lower() and "error(s) found" not in p.message.lower()]
        return fatal or out or [Problem(sf.rel, 1, "haproxy", _first_line(proc.stderr or "configuration rejected"))]

    with ThreadPoolExecutor(max(jobs, 1)) as ex:
        return [p for ps in ex.map(one, files) for p in ps]


# --------------------------------------------------------------------------- CNI

CNI_VERSIONS = ("0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0")
CNI_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$")


def cni(files: list[SourceFile]) -> list[Problem]:
    problems = []
    for sf in files:
        def add(msg, key="", hint=""):
            problems.append(Problem(sf.rel, (find_line(sf.text, key) if key else None) or 1, "cni", msg, hint))

        try:
            data = json.loads(sf.text)
        except ValueError as exc:
            problems.append(Problem(sf.rel, getattr(exc, "lineno", 1), "cni", f"not valid JSON: {exc.msg}"))
            continue
        if not isinstance(data, dict):
            add("a CNI configuration is a JSON object")
            continue
        version = data.get("cniVersion")
        if not isinstance(version, str):
            add('missing "cniVersion"', hint=f"one of {', '.join(CNI_VERSIONS)}")
        elif version not in CNI_VERSIONS:
            add(f'unknown cniVersion "{version}"', '"cniVersion"', f"one of {', '.join(CNI_VERSIONS)}")
        name = data.get("name")
        if not isinstance(name, str) or not name:
            add('missing "name" (a string)')
        elif not CNI_NAME.match(name):
            add(f'invalid network name "{name}"', '"name"', "letters, digits, '_', '.' and '-'")
        if "plugins" in data or sf.path.suffix == ".conflist":
            plugins = data.get("plugins")
            if not isinstance(plugins, list) or not plugins:
                add('a .conflist needs a non-empty "plugins" list', '"plugins"')
                continue
            for i, plugin in enumerate(plugins):
                if not isinstance(plugin, dict) or not isinstance(plugin.get("type"), str) or not plugin.get("type"):
                    add(f'plugins[{i}] has no "type" (the plugin binary to run)', '"plugins"')
        elif not isinstance(data.get("type"), str) or not data.get("type"):
            add('missing "type" (the plugin binary to run)', hint='or a "plugins" list for a .conflist')
    return problems


# --------------------------------------------------------------------------- shell


def shellcheck(files: list[SourceFile], binary: str, jobs: int = 1) -> list[Problem]:
    if len(files) > 8 and jobs > 1:
        size = -(-len(files) // jobs)
        with ThreadPoolExecutor(jobs) as ex:
            parts = ex.map(lambda i: shellcheck(files[i : i + size], binary), range(0, len(files), size))
            return [p for ps in parts for p in ps]
    if not files:
        return []
    proc = _run([binary, "-f", "json1", "-x", "--source-path=SCRIPTDIR"] + [str(sf.path) for sf in files])
    by_path = {str(sf.path): sf for sf in files}
    try:
        comments = json.loads(proc.stdout or "{}").get("comments", [])
    except ValueError:
        return [Problem(files[0].rel, 1, "shellcheck", _first_line(proc.stderr or "shellcheck failed"))]
    problems = []
    for c in comments:
        sf = by_path.get(c.get("file"))
        if sf is None:
            continue
        problems.append(
            Problem(sf.rel, c.get("line", 1), "shellcheck", f"SC{c.get('code')} ({c.get('level')}): {c.get('message')}",
                    f"https://www.shellcheck.net/wiki/SC{c.get('code')}")
        )
    return problems


def bash_syntax(files: list[SourceFile], jobs: int) -> list[Problem]:
    def one(sf: SourceFile) -> list[Problem]:
        proc = _run(["bash", "-n", str(sf.path)])
        out = []
        for raw in proc.stderr.splitlines():
            m = re.match(r".*?: line (\d+): (.*)", raw)
            if m:
                out.append(Problem(sf.rel, int(m.group(1)), "bash", m.group(2).strip()))
        if proc.returncode != 0 and not out:
            out.append(Problem(sf.rel, 1, "bash", _first_line(proc.stderr or "syntax error")))
        return out

    with ThreadPoolExecutor(max(jobs, 1)) as ex:
        return [p for ps in ex.map(one, files) for p in ps]


def actionlint(files: list[SourceFile], binary: str) -> list[Problem]:
    if not files:
        return []
    proc = _run([binary, "-format", "{{json .}}"] + [str(sf.path) for sf in files])
    by_path = {str(sf.path): sf for sf in files}
    try:
        items = json.loads(proc.stdout or "[]")
    except ValueError:
        return [Problem(files[0].rel, 1, "actionlint", _first_line(proc.stderr or proc.stdout or "failed"))]
    problems = []
    for it in items or []:
        sf = by_path.get(it.get("filepath")) or next((s for p, s in by_path.items() if p.endswith(it.get("filepath", "?"))), None)
        if sf:
            problems.append(Problem(sf.rel, it.get("line", 1), "actionlint", f"{it.get('message')} [{it.get('kind')}]"))
    return problems


# --------------------------------------------------------------------------- result cache


def tool_key(binary: str, *extra: str) -> str:
    """Identity of an installed tool for the result cache: its versioned path and build time."""
    real = os.path.realpath(binary)
    try:
        stamp = str(os.stat(real).st_mtime_ns)
    except OSError:
        stamp = "?"
    return hashlib.sha256("|".join((real, stamp) + extra).encode()).hexdigest()[:12]


def cached(cache: "ResultCache", tool: str, key: str, files: list[SourceFile], run) -> list[Problem]:
    """Run `run` on the files whose result for (tool, key, content) is not cached; cache the new results."""
    problems, todo = [], []
    for sf in files:
        hit = cache.get(tool, key, sf.text)
        if hit is None:
            todo.append(sf)
        else:
            problems += [Problem(sf.rel, *p) for p in hit]
    if todo:
        fresh = run(todo)
        problems += fresh
        by_file: dict[str, list] = {sf.rel: [] for sf in todo}
        for p in fresh:
            if p.path in by_file:
                by_file[p.path].append((p.line, p.tool, p.message, p.hint))
        for sf in todo:
            cache.put(tool, key, sf.text, by_file[sf.rel])
    return problems


class ResultCache:
    """Results of the slow per-file checks, keyed by tool, configuration and file content."""

    def __init__(self, path: Path | None):
        self.path = path
        self.data: dict = {}
        self.dirty = False
        self.touched: set[str] = set()
        if path and path.exists():
            try:
                self.data = json.loads(path.read_text())
            except (OSError, ValueError):
                self.data = {}

    @staticmethod
    def _key(tool: str, config: str, text: str) -> str:
        return tool + ":" + config + ":" + hashlib.sha1(text.encode()).hexdigest()

    def get(self, tool, config, text):
        if self.path is None:
            return None
        k = self._key(tool, config, text)
        hit = self.data.get(k)
        if hit is not None:
            self.touched.add(k)
        return [tuple(x) for x in hit] if hit is not None else None

    def put(self, tool, config, text, value):
        if self.path is None:
            return
        k = self._key(tool, config, text)
        self.data[k] = [list(x) for x in value]
        self.touched.add(k)
        self.dirty = True

    MAX_ENTRIES = 50_000

    def save(self) -> None:
        if not self.path or not self.dirty:
            return
        if len(self.data) > self.MAX_ENTRIES:
            self.data = {k: v for k, v in self.data.items() if k in self.touched}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".cache")
        with os.fdopen(fd, "w") as fh:
            json.dump(self.data, fh)
        os.replace(tmp, self.path)
