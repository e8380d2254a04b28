"""The static checks of `make validate`: one module each, one line each in CHECKS.

To add a check: write cka/checks/<name>.py with `CHECK = Check(...)` (see base.py),
add it to CHECKS below, and add a file that it must reject to tests/validate/bad/
with its expected message in tests/test_validate.py.
"""

from . import (actionlint, bash, chainsaw, cni, configcheck, coverage, etcd, glossary, haproxy, kind, kubeadm,
               kubeconform, pages, practice, python, shellcheck, yamllint)
from .base import Check, Context

CHECKS: list[Check] = [
    yamllint.CHECK,
    kubeconform.CHECK,
    kubeadm.CHECK,
    configcheck.CHECK,
    kind.CHECK,
    etcd.CHECK,
    chainsaw.CHECK,
    haproxy.CHECK,
    cni.CHECK,
    bash.CHECK,
    shellcheck.CHECK,
    actionlint.CHECK,
    python.CHECK,
    pages.CHECK,
    glossary.CHECK,
    practice.CHECK,
    coverage.CHECK,
]

__all__ = ["CHECKS", "Check", "Context"]
