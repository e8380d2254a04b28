"""The content model: what each file of the project is, and what it declares.

One definition each, used by the static checks, the lab, the site's hooks and the tests:

- pages: their YAML front matter, their `--8<--` includes and the sections they name,
  their Mermaid diagrams with the text alternative;
- the header comments a manifest or a snippet may carry (`# Page:`, `# Lab:`,
  `# Runs on:`, `# Broken:`, `# Expect-invalid: <tool>: <text>`);
- the documents of a YAML file, read fast (apiVersion, kind, name) or parsed;
- `classify(path)`: page, snippet, manifest, config, lab-test, haproxy, cni, chart,
  task, or other.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import ProjectError
from .paths import ROOT, rel
from .yamlfile import LOADER

# --------------------------------------------------------------------------- pages

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?\n)---\s*\n", re.S)
PAGE_NAME = re.compile(r"(.*)\.([a-z]{2})\.md$")


def front_matter(text: str, where: str = "page") -> dict:
    """The YAML front matter of a page's text, or {} when it has none."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}
    try:
        data = yaml.load(match.group(1), Loader=LOADER) or {}
    except yaml.YAMLError as err:
        raise ProjectError(f"{where}: front matter is not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise ProjectError(f"{where}: front matter must be a mapping of keys to values")
    return data


def read_front_matter(path: Path) -> dict:
    return front_matter(Path(path).read_text(encoding="utf-8"), rel(path))


def page_stem(src_path: str) -> tuple[str, str | None]:
    """'storage/csi.en.md' -> ('storage/csi', 'en'); a page without a language suffix -> (stem, None)."""
    match = PAGE_NAME.match(src_path)
    if match:
        return match.group(1), match.group(2)
    return (src_path[:-3] if src_path.endswith(".md") else src_path), None


# pymdownx.snippets: `--8<-- "path"` (inline) or a block of paths between two `--8<--` lines.
INCLUDE_INLINE = re.compile(r"""(?<!;)--8<--\s+(["'])(?P<spec>[^"']+)\1""")
INCLUDE_BLOCK = re.compile(r"^\s*--8<--\s*$")
INCLUDE_ESCAPED = re.compile(r"^\s*;--8<--")
SECTION = re.compile(r"--8<--\s*\[(start|end):([\w-]+)\]")


def includes(text: str) -> list[tuple[int, str]]:
    """(line, spec) for every snippet include of a page."""
    out = []
    in_block = False
    for n, line in enumerate(text.splitlines(), 1):
        if INCLUDE_ESCAPED.match(line):
            continue
        if INCLUDE_BLOCK.match(line):
            in_block = not in_block
            continue
        if in_block:
            spec = line.strip()
            if spec and not spec.startswith(";"):
                out.append((n, spec))
            continue
        for m in INCLUDE_INLINE.finditer(line):
            out.append((n, m.group("spec")))
    return out


def split_include(spec: str) -> tuple[str, str | None]:
    """'path', 'path:section' or 'path:1:5' -> (path, section or None)."""
    parts = spec.strip().split(":")
    rest = parts[1:]
    if rest and not all(p.strip().isdigit() or p.strip() == "" for p in rest):
        return parts[0], rest[0].strip()
    return parts[0], None


def sections(text: str) -> tuple[dict[str, int], dict[str, int]]:
    """The named sections of an included file: ({name: start line}, {name: end line})."""
    starts, ends = {}, {}
    for n, line in enumerate(text.splitlines(), 1):
        for m in SECTION.finditer(line):
            (starts if m.group(1) == "start" else ends).setdefault(m.group(2), n)
    return starts, ends


def section_text(text: str, name: str) -> str:
    """The lines of one named section (without its markers)."""
    starts, ends = sections(text)
    if name not in starts or name not in ends:
        return ""
    lines = text.splitlines()[starts[name]: ends[name] - 1]
    return "\n".join(lines)


# A ```mermaid fence in a page's Markdown (its indent, its body) and a diagram's
# accessibility lines, which become the drawn image's alt text.
MERMAID_FENCE = re.compile(r"^([ \t]*)```mermaid[^\n]*\n(.*?)^\1```", re.S | re.M)
ACC_TITLE = re.compile(r"^\s*accTitle\s*:\s*(.+?)\s*$", re.M)
ACC_DESCR = re.compile(r"^\s*accDescr\s*:\s*(.+?)\s*$", re.M)


def diagram_blocks(markdown: str) -> list[tuple[int, str]]:
    """(line of the opening fence, diagram text) for each Mermaid diagram of a page."""
    return [(markdown.count("\n", 0, m.start()) + 1, m.group(2)) for m in MERMAID_FENCE.finditer(markdown)]


def text_alternative(diagram: str) -> tuple[str, str]:
    """A diagram's accTitle and accDescr ('' when missing)."""
    title, description = ACC_TITLE.search(diagram), ACC_DESCR.search(diagram)
    return (title.group(1) if title else "", description.group(1) if description else "")


def page_link(from_dir: str, stem: str) -> str:
    """A Markdown link from a page in docs/<from_dir>/ to the page docs/<stem>.md (any language)."""
    depth = len(Path(from_dir).parts) if from_dir else 0
    return "/".join([".."] * depth + [stem]) + ".md"


# --------------------------------------------------------------------------- file headers

HEADER_LINE = re.compile(r"^\s*#\s*(Page|Lab|Runs on|Broken):\s*(.*?)\s*$")
EXPECT_INVALID = re.compile(r"^\s*#\s*Expect-invalid:\s*([A-Za-z][\w -]*?)\s*:\s*(.+?)\s*$")
BROKEN = re.compile(r"^\s*#\s*Broken:\s*\S")
RUNS_ON = re.compile(r"^#\s*Runs on:\s*(.+)$", re.M)
# A `# Runs on:` that names a place the lab's runtimes are not.
NOT_IN_LAB = re.compile(r"kubeadm node only|a host with docker|fresh .*vm|kind node", re.I)


@dataclass
class Expectation:
    """`# Expect-invalid: <tool>: <text>`: the tool must reject the file with that text."""

    tool: str
    text: str
    line: int


@dataclass
class Header:
    """What a manifest or snippet declares in its comments."""

    page: str = ""
    lab: str = ""
    runs_on: str = ""
    broken: bool = False
    broken_line: int = 0
    expectations: tuple[Expectation, ...] = ()

    @property
    def runs_in_lab(self) -> bool:
        return not NOT_IN_LAB.search(self.runs_on)


def header(text: str, aliases: dict[str, str] | None = None) -> Header:
    """The declarations of a file's comments. `aliases` maps a tool name a contributor may
    write after `Expect-invalid:` to the check's own name."""
    found = Header()
    expectations = []
    if not any(k in text for k in ("Page:", "Lab:", "Runs on:", "Broken:", "Expect-invalid")):
        return found
    for n, line in enumerate(text.splitlines(), 1):
        m = EXPECT_INVALID.match(line)
        if m:
            name = m.group(1).strip().lower()
            expectations.append(Expectation((aliases or {}).get(name, name), m.group(2), n))
            continue
        m = HEADER_LINE.match(line)
        if not m:
            continue
        key, value = m.group(1), m.group(2)
        if key == "Broken":
            if not found.broken and value:
                found.broken, found.broken_line = True, n
        elif key == "Page" and not found.page:
            found.page = value
        elif key == "Lab" and not found.lab:
            found.lab = value
        elif key == "Runs on" and not found.runs_on:
            found.runs_on = value
    found.expectations = tuple(expectations)
    return found


# --------------------------------------------------------------------------- YAML documents

DOC_SEP = re.compile(r"^---(\s|$)")
TOP_KEY = re.compile(r"^(apiVersion|kind):\s*['\"]?([^\s'\"#]+)")
NAME_KEY = re.compile(r"^\s{2,4}name:\s*['\"]?([^\s'\"#]+)")


@dataclass
class Doc:
    """One document of a YAML stream, read without parsing: where it starts, what it is."""

    index: int
    line: int  # first line of the document (1-based)
    api_version: str = ""
    kind: str = ""
    name: str = ""

    @property
    def gvk(self) -> str:
        return f"{self.api_version}/{self.kind}"

    @property
    def group(self) -> str:
        return self.api_version.split("/")[0] if "/" in self.api_version else ""


def scan_docs(text: str) -> list[Doc]:
    """Split a YAML stream into documents and read their top-level apiVersion/kind (fast, no parsing)."""
    docs = [Doc(0, 1)]
    in_meta = False
    for n, line in enumerate(text.splitlines(), 1):
        if DOC_SEP.match(line):
            docs.append(Doc(len(docs), n + 1))
            in_meta = False
            continue
        m = TOP_KEY.match(line)
        if m:
            setattr(docs[-1], "api_version" if m.group(1) == "apiVersion" else "kind", m.group(2))
            continue
        if line.startswith("metadata:"):
            in_meta = True
            continue
        if in_meta:
            if line and not line[0].isspace():
                in_meta = False
            else:
                nm = NAME_KEY.match(line)
                if nm and not docs[-1].name:
                    docs[-1].name = nm.group(1)
    return [d for d in docs if d.api_version or d.kind]


def documents(path: Path) -> list[dict]:
    """The parsed documents of a YAML file (mappings only)."""
    try:
        return [d for d in yaml.load_all(Path(path).read_text(encoding="utf-8"), Loader=LOADER) if isinstance(d, dict)]
    except yaml.YAMLError as err:
        raise ProjectError(f"{rel(path)}: not valid YAML ({err}); run `make validate`") from None


# API groups of configuration files read by a program, not objects of the API server.
CONFIG_GROUPS = ("kubeadm.k8s.io", "kind.x-k8s.io", "chainsaw.kyverno.io", "config.kwok.x-k8s.io")
# ...and every component configuration group: kubelet.config.k8s.io, kubeproxy.config.k8s.io,
# kubescheduler.config.k8s.io, apiserver.config.k8s.io, kustomize.config.k8s.io, ...
CONFIG_GROUP_SUFFIX = ".config.k8s.io"
ETCD_KEYS = ("data-dir", "listen-client-urls", "listen-peer-urls", "initial-cluster", "advertise-client-urls")


def is_config_group(group: str) -> bool:
    return group in CONFIG_GROUPS or group.endswith(CONFIG_GROUP_SUFFIX)


def is_api_object(api_version: str, kind: str) -> bool:
    """An object the API server stores (not a kubeconfig, not a component's configuration file)."""
    if not api_version or not kind:
        return False
    if api_version == "v1" and kind == "Config":  # a kubeconfig file
        return False
    return not is_config_group(api_version.split("/")[0] if "/" in api_version else "")


def is_etcd_config(text: str) -> bool:
    """A YAML mapping with etcd's own keys (etcd --config-file), not a Kubernetes object."""
    keys = set(re.findall(r"^([a-z][a-z0-9-]*):", text, re.M))
    return "apiVersion" not in keys and len(keys & set(ETCD_KEYS)) >= 2


# --------------------------------------------------------------------------- what a file is

LAB_TEST = "chainsaw-test.yaml"
YAML_SUFFIXES = (".yaml", ".yml")
CNI_SUFFIXES = (".conflist", ".conf", ".json")

PAGE, SNIPPET, MANIFEST, CONFIG, LAB_TEST_KIND, HAPROXY, CNI, CHART, HELM_VALUES, KUSTOMIZATION, TASK, OTHER = (
    "page", "snippet", "manifest", "config", "lab-test", "haproxy", "cni", "chart", "helm-values", "kustomization",
    "task", "other")
HELM_VALUES_NAME = re.compile(r"^values([-.][\w.-]+)?\.ya?ml$")


def _in_chart(path: Path, top: Path) -> bool:
    """A file of a Helm chart: a folder between it and `top` holds Chart.yaml."""
    for parent in path.parents:
        if parent == top or parent == parent.parent:
            return False
        if (parent / "Chart.yaml").is_file():
            return True
    return False


def classify(path: Path, root: Path = ROOT, text: str | None = None) -> str:
    """What a file of the tree under `root` is (one of the constants above)."""
    path = Path(path)
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return OTHER
    if not parts:
        return OTHER
    top, name, suffix = parts[0], path.name, path.suffix.lower()
    if top == "docs":
        return PAGE if suffix == ".md" else OTHER
    if top == "snippets":
        return SNIPPET if suffix == ".sh" else OTHER
    if top == "practice":
        return TASK if suffix in YAML_SUFFIXES else OTHER
    if top != "manifests":
        return OTHER
    if _in_chart(path, root / "manifests"):
        return CHART
    if name == LAB_TEST:
        return LAB_TEST_KIND
    if name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        return KUSTOMIZATION
    if suffix == ".sh":
        return SNIPPET
    if suffix == ".cfg":
        return HAPROXY
    if suffix in YAML_SUFFIXES or suffix == ".json":
        if text is None:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return OTHER
        docs = scan_docs(text)
        if suffix == ".json" and not docs:
            return CNI
        if not docs:
            if HELM_VALUES_NAME.match(name):
                return HELM_VALUES  # values for `helm install -f`: plain YAML, no apiVersion
            return CONFIG if is_etcd_config(text) else OTHER
        if any(d.group == "chainsaw.kyverno.io" for d in docs):
            return LAB_TEST_KIND
        if all(is_api_object(d.api_version, d.kind) for d in docs):
            return MANIFEST
        return CONFIG
    if suffix in CNI_SUFFIXES:
        return CNI
    return OTHER


def files_of(kind: str, root: Path = ROOT) -> list[Path]:
    """Every file of one kind under the tree's content folders, sorted."""
    tops = {PAGE: ("docs",), SNIPPET: ("snippets", "manifests"), TASK: ("practice",)}.get(kind, ("manifests",))
    found = []
    for top in tops:
        base = root / top
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
            for f in sorted(filenames):
                path = Path(dirpath) / f
                if classify(path, root) == kind:
                    found.append(path)
    return found


@functools.lru_cache(maxsize=None)
def lab_tests(root: Path = ROOT) -> tuple[Path, ...]:
    """The folders' lab tests (chainsaw-test.yaml)."""
    return tuple(sorted((root / "manifests").rglob(LAB_TEST)))
