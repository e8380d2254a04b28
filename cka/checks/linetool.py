"""Reading the `<file>:<line>: <message>` output of the project's own Go checkers."""

from __future__ import annotations

import re

from .base import one_line, run_process
from .core import Problem, SourceFile, find_line


def line_tool(files: list[SourceFile], cmd: list[str], tool: str) -> list[Problem]:
    if not files:
        return []
    by_path = {str(sf.path): sf for sf in files}
    proc = run_process(cmd + list(by_path))
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
            line = quoted_value_line(sf.text, rest) or line
        problems.append(Problem(sf.rel, line, tool, rest))
    if proc.returncode != 0 and not problems:
        problems.append(Problem(files[0].rel, 1, tool, one_line(proc.stderr or proc.stdout or "failed")))
    return problems


def quoted_value_line(text: str, msg: str) -> int | None:
    """Line of a YAML value that an error message quotes, e.g. '"master" is not a valid node role'."""
    for value in reversed(re.findall(r'"([^"\s]+)"', msg)):
        pat = re.compile(r":\s*['\"]?" + re.escape(value) + r"['\"]?\s*(#.*)?$")
        for n, line in enumerate(text.splitlines(), 1):
            if pat.search(line):
                return n
    return None

