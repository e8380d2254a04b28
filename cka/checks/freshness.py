"""Translation freshness: pages whose one language changed in a later commit than the other.

For every pair docs/**/<page>.ko.md and <page>.en.md, read the git history back to the last
commit that changed both. The commits since then that changed one language only form runs (a run
is consecutive commits to the same language); a run is expected to be followed by a run on the
other language. When the newest run is not followed (an odd number of runs), the other language
is behind by that run's commits. A commit whose message contains MARKER (a fix that concerns one
language only, such as a typo) is not counted. Warnings only: nothing here fails a check. Without
git, or outside a repository, there is nothing to report.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

MARKER = "[one-language]"
PAGE = re.compile(r"^(?P<base>docs/.+)\.(?P<lang>ko|en)\.md$")


@dataclass
class Stale:
    page: str  # the language that is behind, relative to the root
    ahead: str  # its twin, which changed later
    commits: list[tuple[str, str]]  # (short hash, subject) of the twin's commits not followed, newest first

    def message(self) -> str:
        n = len(self.commits)
        listed = "; ".join(f"{h} {s}" for h, s in self.commits)
        return (f"{n} commit{'s' * (n != 1)} to {self.ahead} not followed here: {listed} "
                f"(update this page, or mark a one-language commit with {MARKER})")

    def text(self) -> str:
        return f"warning: {self.page}: [freshness] {self.message()}"

    def annotation(self) -> str:
        msg = ("[freshness] " + self.message()).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::warning file={self.page},line=1::{msg}"


def _history(root: Path, marker: str) -> tuple[list[tuple[str, str]], dict[str, list[int]]]:
    """The counted commits touching docs/, newest first, and for each page the indexes of its commits."""
    cmd = ["git", "-C", str(root), "log", "--topo-order", "--relative", "--name-only", "--no-renames",
           "--fixed-strings", "--invert-grep", f"--grep={marker}", "--format=%x00%h%x09%s", "--", "docs"]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return [], {}
    if proc.returncode != 0:
        return [], {}
    commits: list[tuple[str, str]] = []
    touched: dict[str, list[int]] = {}
    for chunk in proc.stdout.split("\x00")[1:]:
        lines = chunk.strip("\n").split("\n")
        short, _, subject = lines[0].partition("\t")
        for name in filter(None, lines[1:]):
            touched.setdefault(name, []).append(len(commits))
        commits.append((short, subject))
    return commits, touched


def stale(root: Path, marker: str = MARKER) -> list[Stale]:
    """Every page pair where one language has counted commits that the other has not followed."""
    commits, touched = _history(root, marker)
    out = []
    for path, idx in sorted(touched.items()):
        m = PAGE.match(path)
        if not m or m.group("lang") != "ko":
            continue
        twin = f"{m.group('base')}.en.md"
        if twin not in touched or not (root / path).is_file() or not (root / twin).is_file():
            continue
        ko, en = set(idx), set(touched[twin])
        runs: list[tuple[str, list[int]]] = []  # newest first, back to the last commit that changed both
        for i in sorted(ko | en):
            if i in ko and i in en:
                break
            side = path if i in ko else twin
            if runs and runs[-1][0] == side:
                runs[-1][1].append(i)
            else:
                runs.append((side, [i]))
        if len(runs) % 2:
            ahead, mine = runs[0]
            out.append(Stale(twin if ahead == path else path, ahead, [commits[i] for i in mine]))
    return out
