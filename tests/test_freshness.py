"""cka/checks/freshness.py, through `python -m cka.checks --freshness`, on a temporary git repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def git(repo: Path, *args: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, stdout=subprocess.DEVNULL)


def commit(repo: Path, message: str, **files: str) -> None:
    for rel, text in files.items():
        p = repo / "docs" / rel.replace("__", ".")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def freshness(repo: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "cka.checks", "--root", str(repo), "--freshness"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_freshness_reports_the_commits_the_twin_has_not_followed(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    commit(repo, "Add the page", a__ko__md="가\n", a__en__md="a\n", b__ko__md="나\n", b__en__md="b\n")
    commit(repo, "Korean: explain the flag", a__ko__md="가 나\n")
    commit(repo, "Korean: fix a typo [one-language]", a__ko__md="가 나 다\n")
    commit(repo, "English: reword", b__en__md="b b\n")
    commit(repo, "Korean: follow the English", b__ko__md="나 나\n")

    proc = freshness(repo)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("warning:")]
    assert len(lines) == 1, proc.stdout
    assert lines[0].startswith("warning: docs/a.en.md: [freshness] 1 commit to docs/a.ko.md not followed here: ")
    assert "Korean: explain the flag" in lines[0]
    assert "fix a typo" not in lines[0]  # the marked commit does not count

    commit(repo, "English: follow the Korean", a__en__md="a b\n")
    assert "warning:" not in freshness(repo).stdout

    # A new lead after a followed one: only the new commit is reported.
    commit(repo, "Korean: a new example", a__ko__md="가 나 다 라\n")
    out = freshness(repo).stdout
    assert "1 commit to docs/a.ko.md" in out and "a new example" in out and "explain the flag" not in out, out


def test_freshness_annotations_on_github(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    commit(repo, "Add the page", p__ko__md="가\n", p__en__md="a\n")
    commit(repo, "English only", p__en__md="a b\n")
    proc = freshness(repo, env=dict(os.environ, GITHUB_ACTIONS="true"))
    assert proc.returncode == 0
    assert proc.stdout.startswith("::warning file=docs/p.ko.md,line=1::[freshness] 1 commit to docs/p.en.md")


def test_no_git_no_warnings(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "p.ko.md").write_text("가\n")
    proc = freshness(tmp_path, env=dict(os.environ, GIT_CEILING_DIRECTORIES=str(tmp_path.parent)))
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout + proc.stderr
