"""Where things are in the repository."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MANIFESTS = ROOT / "manifests"
SNIPPETS = ROOT / "snippets"
PRACTICE = ROOT / "practice"
DATA = ROOT / "data"
BUILD = ROOT / "build"
REPORTS = BUILD / "reports"
VERSIONS_FILE = ROOT / "versions.yaml"
CURRICULUM_FILE = DATA / "curriculum.yaml"
GLOSSARY_FILE = DATA / "glossary.yaml"
MKDOCS_FILE = ROOT / "mkdocs.yml"
GO_SOURCES = ROOT / "scripts" / "go"


def rel(path: Path) -> str:
    """A path relative to the repository, with forward slashes (the path itself when outside it)."""
    path = Path(path)
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()
