"""`make validate` (python -m cka.checks) catches every kind of mistake in tests/validate/bad and passes tests/validate/good.

The corpora are trees with the layout of the repository (docs/, manifests/,
snippets/, practice/); the checks run on them with --root. The pinned tools must be
installed (`make tools`); the first test installs what is missing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "validate"
PY = sys.executable

# (file, tool, text in the message): one line per rule.
EXPECTED_BAD = [
    ("manifests/bad/page/unknown-field.yaml", "kubeconform", "unknown field 'imagePullPolicyy'"),
    ("manifests/bad/page/wrong-type.yaml", "kubeconform", "/spec/replicas: got string, want integer"),
    ("manifests/bad/page/removed-api.yaml", "kubeconform", "policy/v1beta1 PodSecurityPolicy does not exist"),
    ("manifests/bad/page/invalid-yaml.yaml", "yamllint", "syntax error"),
    ("manifests/bad/page/duplicate-key.yaml", "yamllint", 'duplication of key "color"'),
    ("manifests/bad/page/kubeadm-typo.yaml", "kubeadm", "podSubnett"),
    ("manifests/bad/page/haproxy-broken.cfg", "haproxy", "unknown keyword 'default_backendd'"),
    ("manifests/bad/page/kind-bad.yaml", "kind", '"master" is not a valid node role'),
    ("manifests/bad/page/etcd-bad.yaml", "etcd", 'initial-cluster has no member named "etcd-4"'),
    ("manifests/bad/page/cni-bad.conflist", "cni", 'plugins[0] has no "type"'),
    ("manifests/bad/page/kubeconfig-bad.yaml", "configcheck", 'names cluster "prod"'),
    ("manifests/bad/page/broken-accepted.yaml", "kubeconform", "but it accepted it"),
    ("manifests/bad/page/orphan.yaml", "pages", "no page includes this file"),
    ("snippets/bad/syntax-error.sh", "bash", "syntax error"),
    ("snippets/bad/shellcheck-finding.sh", "shellcheck", "SC2086"),
    ("docs/bad/missing-include.ko.md", "pages", "does-not-exist.yaml' does not exist"),
    ("docs/bad/missing-section.en.md", "pages", "has no section 'nosuch'"),
    ("docs/bad/untranslated.ko.md", "pages", "has no English twin"),
    ("docs/bad/diagram-without-text.en.md", "pages", "this diagram has no accDescr line"),
    ("docs/bad/table-empty-corner.en.md", "pages", "this table's first header cell is empty"),
    ("manifests/bad/lab/configmap-untested.yaml", "coverage", "manifests/bad/lab/chainsaw-test.yaml never applies it"),
    ("practice/storage/task-broken-shell.yaml", "practice", "solution: bash: syntax error"),
    ("practice/storage/task-unknown-competency.yaml", "practice", "competency `no-such-competency` is not in data/curriculum.yaml"),
    ("practice/storage/task-missing-page.yaml", "practice", "page `storage/no-such-page` has no docs/storage/no-such-page.ko.md"),
    ("practice/storage/task-missing-field.yaml", "practice", "missing keys: explanation"),
    ("practice/storage/task-missing-page.yaml", "practice", "namespace `bad-shared` is also used by practice/storage/task-missing-field.yaml"),
    ("practice/storage/task-comma-in-text.yaml", "practice", "check 2: `text` has keys other than ko, en"),
    ("practice/mock-exams.yaml", "practice", "set `a`: no task `no-such-task` in practice/"),
    ("manifests/bad/page/chainsaw-test.yaml", "chainsaw", "/spec: unknown field 'stepz'"),
    (".github/workflows/bad.yml", "actionlint", '"runs-on" section is missing'),
    ("cka/undefined_name.py", "python", "F821: Undefined name `gretting`"),
    ("docs/bad/glossary.ko.md", "glossary", "'객체': write '오브젝트'"),
]
LINE = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+): \[(?P<tool>[\w-]+)\] (?P<msg>.*)$")


def run_validate(root: Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PY, "-m", "cka.checks", "--root", str(root), "--no-cache", *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.fixture(scope="session", autouse=True)
def tools_installed():
    proc = subprocess.run([PY, "-m", "cka.tools", "install"], cwd=ROOT, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.returncode == 0, proc.stdout


@pytest.fixture(scope="session")
def bad_run():
    return run_validate(CORPUS / "bad", "--no-install")


def parsed(stdout: str) -> list[dict]:
    return [m.groupdict() for m in map(LINE.match, stdout.splitlines()) if m]


def test_good_corpus_passes():
    proc = run_validate(CORPUS / "good", "--no-install")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "validate: no problems" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_bad_corpus_fails_without_traceback(bad_run):
    assert bad_run.returncode == 1, bad_run.stdout + bad_run.stderr
    assert "Traceback" not in bad_run.stderr + bad_run.stdout
    assert re.search(r"^validate: \d+ problems \(", bad_run.stdout, re.M)


@pytest.mark.parametrize("path,tool,text", EXPECTED_BAD, ids=[e[0].rsplit("/", 1)[-1] for e in EXPECTED_BAD])
def test_each_bad_file_is_caught(bad_run, path, tool, text):
    hits = [p for p in parsed(bad_run.stdout) if p["path"] == path and p["tool"] == tool]
    assert hits, f"{path}: no [{tool}] problem in:\n{bad_run.stdout}"
    assert any(text in p["msg"] for p in hits), f"{path}: {text!r} not in {[p['msg'] for p in hits]}"


def test_every_check_has_a_bad_example():
    """A check is a module, a line in cka.checks.CHECKS and a file of the bad corpus that it must reject."""
    from cka.checks import CHECKS

    assert {c.name for c in CHECKS} <= {e[1] for e in EXPECTED_BAD}, "add a bad example for every check"


def test_every_bad_file_is_covered():
    """Each file of the bad corpus is named in EXPECTED_BAD (or is the page that includes them)."""
    named = {e[0] for e in EXPECTED_BAD}
    helpers = {"docs/bad/page.ko.md", "docs/bad/page.en.md", "docs/bad/missing-include.en.md",
               "docs/bad/missing-section.ko.md", "docs/bad/diagram-without-text.ko.md",
               "docs/bad/table-empty-corner.ko.md", "manifests/bad/lab/chainsaw-test.yaml", "docs/bad/glossary.en.md"}
    files = {p.relative_to(CORPUS / "bad").as_posix() for p in (CORPUS / "bad").rglob("*") if p.is_file()}
    assert files, "the bad corpus is empty"
    assert files - named - helpers == set()


def test_glossary_flags_prose_only(bad_run):
    """Avoided terms are flagged in prose and Mermaid labels, not in code, inline code or official link text."""
    hits = [p for p in parsed(bad_run.stdout) if p["path"] == "docs/bad/glossary.ko.md"]
    assert {(int(p["line"]), p["msg"].split(":")[0]) for p in hits} == {
        (3, "'객체'"), (5, "'선택자'"), (17, "'레디니스'"),
        (21, "'는' after a version")}, bad_run.stdout
    assert all(p["tool"] == "glossary" for p in hits)


def test_unknown_field_points_at_its_line(bad_run):
    hit = next(p for p in parsed(bad_run.stdout) if p["path"].endswith("unknown-field.yaml") and p["tool"] == "kubeconform")
    text = (CORPUS / "bad" / hit["path"]).read_text().splitlines()
    assert "imagePullPolicyy" in text[int(hit["line"]) - 1]


def test_a_parse_error_is_reported_once(bad_run):
    """Checks that read a file's content stay quiet on a file that does not parse (whether a lab test
    runs the file is another question, which the coverage check still answers)."""
    tools = {p["tool"] for p in parsed(bad_run.stdout) if p["path"].endswith("invalid-yaml.yaml")}
    assert tools == {"yamllint"}
    tools = {p["tool"] for p in parsed(bad_run.stdout) if p["path"].endswith("syntax-error.sh")}
    assert tools - {"coverage"} == {"bash"}


def test_github_annotations(tmp_path):
    env = dict(os.environ, GITHUB_ACTIONS="true")
    proc = run_validate(CORPUS / "bad", "--no-install", env=env)
    assert "::error file=manifests/bad/page/wrong-type.yaml,line=8::[kubeconform]" in proc.stdout


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


def _page_for(*paths: str) -> dict[str, str]:
    body = "\n".join(f'--8<-- "{p}"' for p in paths) + "\n"
    return {"docs/p.ko.md": body, "docs/p.en.md": body}


def test_expect_invalid_with_another_message_fails(tmp_path):
    pod = (
        "# Broken: typo.\n# Expect-invalid: kubeconform: some other error\n"
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n    - name: a\n      image: b:1\n"
        "      imagePullPolicyy: Always\n"
    )
    root = _tree(tmp_path, {"manifests/x/pod.yaml": pod, **_page_for("manifests/x/pod.yaml")})
    proc = run_validate(root, "--no-install")
    assert proc.returncode == 1
    assert "expected an error containing 'some other error', got:" in proc.stdout


def test_expect_invalid_matching_passes_and_needs_broken(tmp_path):
    pod = (
        "# Expect-invalid: kubeconform: unknown field 'imagePullPolicyy'\n"
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n    - name: a\n      image: b:1\n"
        "      imagePullPolicyy: Always\n"
    )
    root = _tree(tmp_path, {"manifests/x/pod.yaml": pod, **_page_for("manifests/x/pod.yaml")})
    proc = run_validate(root, "--no-install")
    lines = parsed(proc.stdout)
    assert [p["tool"] for p in lines] == ["expect"], proc.stdout
    assert "no '# Broken:" in lines[0]["msg"]


def test_removed_ingress_api_names_the_served_version(tmp_path):
    ing = "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: x\n"
    root = _tree(tmp_path, {"manifests/x/ingress.yaml": ing, **_page_for("manifests/x/ingress.yaml")})
    proc = run_validate(root, "--no-install")
    assert proc.returncode == 1
    assert "Ingress is served as networking.k8s.io/v1" in proc.stdout


def test_unreadable_input_is_a_problem_not_a_traceback(tmp_path):
    root = _tree(tmp_path, {"manifests/x/empty.yaml": "", **_page_for("manifests/x/empty.yaml")})
    (tmp_path / "manifests/x/binary.yaml").write_bytes(b"\xff\xfe\x00bad")
    proc = run_validate(root, "--no-install")
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "manifests/x/binary.yaml:1: [files] not valid UTF-8 text" in proc.stdout


def test_missing_root_is_one_sentence(tmp_path):
    proc = run_validate(tmp_path / "nope", "--no-install")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr


def test_real_tree_pages_import():
    """The content model's include parser understands both include forms."""
    from cka import content

    text = 'a\n--8<-- "x.yaml"\n;--8<-- "skip.yaml"\n--8<--\ny.sh\nz.sh:sec\n--8<--\n'
    assert content.includes(text) == [(2, "x.yaml"), (5, "y.sh"), (6, "z.sh:sec")]
    assert content.split_include("a.sh:sec") == ("a.sh", "sec")
    assert content.split_include("a.sh:3:5") == ("a.sh", None)
    assert json.dumps(content.split_include("a.sh")) == '["a.sh", null]'


def test_chainsaw_test_is_linted(tmp_path):
    test = "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: x\nspec:\n  stepz: []\n"
    root = _tree(tmp_path, {"manifests/x/chainsaw-test.yaml": test, "docs/p.ko.md": "", "docs/p.en.md": ""})
    proc = run_validate(root, "--no-install")
    assert "manifests/x/chainsaw-test.yaml:6: [chainsaw] Test x: /spec: unknown field 'stepz'" in proc.stdout
    assert "manifests/x/chainsaw-test.yaml:5: [chainsaw] Test x: /spec: missing required field 'steps'" in proc.stdout


def test_component_config_without_schema_goes_to_configcheck(tmp_path):
    kubelet = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriverr: systemd\n"
    root = _tree(tmp_path, {"manifests/x/kubelet.yaml": kubelet, **_page_for("manifests/x/kubelet.yaml")})
    proc = run_validate(root, "--no-install")
    assert 'manifests/x/kubelet.yaml:3: [configcheck] kubelet.config.k8s.io/v1beta1 KubeletConfiguration: ' \
           'json: unknown field "cgroupDriverr"' in proc.stdout


def test_a_task_scripts_shellcheck_directive_covers_the_whole_script():
    from cka.checks.practice import PRELUDE, with_prelude

    script = "# shellcheck disable=SC2029\nssh node01 \"echo $HOME\"\n"
    text = with_prelude(script)
    assert text.splitlines()[1] == "# shellcheck disable=SC2029"  # before `set`, so it holds for every line
    assert len(text.splitlines()) == len((PRELUDE + script).splitlines())  # findings keep their line numbers
    assert text.splitlines()[3:] == (PRELUDE + script).splitlines()[3:]
    assert with_prelude("echo hi\n") == PRELUDE + "echo hi\n"
