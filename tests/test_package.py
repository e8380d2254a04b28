"""The shape of the project's tooling: one importable package, no path tricks, and a site build that
does not load the cluster, the labs or the tools installer."""

from __future__ import annotations

import re
import subprocess
import sys

from cka.paths import ROOT

PATH_TRICKS = re.compile(r"sys\.path\.(insert|append)|spec_from_file_location|load_by_path|SourceFileLoader")


def test_no_sys_path_or_import_by_path():
    found = []
    for top in ("cka", "hooks", "tests", "scripts"):
        for path in sorted((ROOT / top).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if PATH_TRICKS.search(line) and path.name != "test_package.py":
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "import from the cka package instead:\n" + "\n".join(found)


def test_scripts_holds_no_python():
    """The tooling lives in cka/; scripts/ keeps the bootstrap and the Go checkers' sources."""
    assert not list((ROOT / "scripts").rglob("*.py"))


def test_site_build_does_not_import_cluster_or_installer_code():
    hooks = sorted(p.stem for p in (ROOT / "hooks").glob("*.py"))
    listed = sorted(re.findall(r"^\s*- hooks/(\w+)\.py", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M))
    assert hooks == listed, "every file of hooks/ is listed under hooks: in mkdocs.yml, and only those"
    code = (
        "import importlib.util, sys\n"
        f"for name in {hooks!r}:\n"
        f"    spec = importlib.util.spec_from_file_location(name, {str(ROOT / 'hooks')!r} + '/' + name + '.py')\n"
        "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('cka'))))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    loaded = proc.stdout.split()
    assert "cka.site.generated" in loaded and "cka.practice.tasks" in loaded, loaded
    forbidden = [m for m in loaded if m.startswith(("cka.cluster", "cka.labs", "cka.tools", "cka.practice.runner",
                                                     "cka.practice.grading", "cka.practice.exam"))]
    assert not forbidden, f"the site build imports {forbidden}"
