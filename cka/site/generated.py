"""The generated parts of pages, computed once per build from the content model.

Some pages carry a marker that a generator replaces: <!-- lecture-map --> (exam/lecture-map),
<!-- practice-index --> and <!-- practice-tasks: <domain> --> (practice/). `Generated.load()`
reads every page's front matter and every practice task once; `expand()` then replaces the
markers of one page's Markdown. Nothing here depends on MkDocs: hooks/generated_pages.py
calls it during a build, and `python -m cka.site generate DIR` writes the expanded pages
for any other generator (a pre-build step).

The result is kept while its inputs (the pages, the tasks, the curriculum) are unchanged,
so a `make serve` rebuild after editing one page does not read every task again.
"""

from __future__ import annotations

import os
import pathlib
import re
from dataclasses import dataclass

from ..languages import page_language
from ..paths import CURRICULUM_FILE, DOCS, PRACTICE
from ..practice.tasks import Task, load_tasks
from . import lecture_map, practice_pages
from .catalogue import scan_pages

MARKERS = re.compile(r"<!-- (lecture-map|practice-index|practice-tasks: [a-z-]+) -->")


def _signature(docs_dir: pathlib.Path) -> tuple:
    """What the generated parts depend on: every page, task and the curriculum, by mtime and size."""
    stamps = []
    for base in (docs_dir, PRACTICE):
        for dirpath, _, files in os.walk(base):
            for name in files:
                if name.endswith((".md", ".yaml")):
                    st = os.stat(os.path.join(dirpath, name))
                    stamps.append((dirpath, name, st.st_mtime_ns, st.st_size))
    st = os.stat(CURRICULUM_FILE)
    return tuple(sorted(stamps)) + ((str(CURRICULUM_FILE), st.st_mtime_ns),)


@dataclass
class Generated:
    pages: dict[str, dict[str, dict]]  # page stem -> language -> front matter
    tasks: list[Task]

    _cache: tuple | None = None  # (signature, Generated): shared by the builds of one process

    @classmethod
    def load(cls, docs_dir: pathlib.Path = DOCS) -> "Generated":
        """The pages' front matter (checked) and the practice tasks (checked), read once while unchanged."""
        signature = _signature(docs_dir)
        cached = Generated._cache
        if cached and cached[0] == signature:
            return cached[1]
        result = cls(scan_pages(docs_dir), load_tasks())
        Generated._cache = (signature, result)
        return result

    def expand(self, markdown: str, src_path: str) -> str:
        """A page's Markdown with its markers replaced (`src_path` relative to docs/, e.g. practice/storage.ko.md)."""
        if "<!-- " not in markdown or not MARKERS.search(markdown):
            return markdown
        lang = page_language(src_path)
        page_dir = str(pathlib.PurePosixPath(src_path).parent)
        page_dir = "" if page_dir == "." else page_dir
        if lecture_map.MARKER in markdown:
            markdown = markdown.replace(lecture_map.MARKER, lecture_map.lecture_table(lang, self.pages, page_dir))
        if practice_pages.INDEX in markdown:
            markdown = markdown.replace(practice_pages.INDEX, practice_pages.index_markdown(lang, self.tasks))
        return practice_pages.TASKS.sub(
            lambda m: practice_pages.domain_markdown(m.group(1), lang, page_dir, self.tasks), markdown)


def write_expanded(out_dir: pathlib.Path, docs_dir: pathlib.Path = DOCS) -> list[pathlib.Path]:
    """Write every page that carries a marker, expanded, under out_dir (same relative paths)."""
    generated = Generated.load(docs_dir)
    written = []
    for path in sorted(docs_dir.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        src = path.relative_to(docs_dir).as_posix()
        expanded = generated.expand(text, src)
        if expanded != text:
            target = out_dir / src
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(expanded, encoding="utf-8")
            written.append(target)
    return written
