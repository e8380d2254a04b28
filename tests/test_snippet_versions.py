"""Snippets are plain bash and cannot read {{ k8s.* }} tokens, so they carry their own
default versions (K8S_VERSION, K8S_PATCH, K8S_MINOR). Those defaults must be the
versions that versions.yaml pins, or a page would show one version and run another."""

from __future__ import annotations

import re

import yaml
from pages import ROOT

VERSIONS = yaml.safe_load((ROOT / "versions.yaml").read_text(encoding="utf-8"))
SNIPPETS = ROOT / "snippets"
DEFAULT = re.compile(r"^(K8S_VERSION|K8S_PATCH|K8S_MINOR)=\$\{\1:-([^}]*)\}", re.M)


def expected() -> dict[str, str]:
    version = VERSIONS["kubernetes"]["version"]
    return {
        "K8S_VERSION": version,
        "K8S_PATCH": version.removeprefix("v"),
        "K8S_MINOR": str(VERSIONS["kubernetes"]["minor"]),
    }


def snippet_defaults() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(SNIPPETS.rglob("*.sh")):
        for name, value in DEFAULT.findall(path.read_text(encoding="utf-8")):
            found.append((path.relative_to(ROOT).as_posix(), name, value))
    return found


def test_snippets_default_to_the_pinned_kubernetes_version():
    want = expected()
    wrong = [
        f"{path}: {name} defaults to {value!r}, versions.yaml says {want[name]!r}"
        for path, name, value in snippet_defaults()
        if value != want[name]
    ]
    assert not wrong, "\n".join(wrong)


def test_the_upgrade_and_versions_snippets_have_defaults():
    # The pages say which defaults these snippets use; a renamed variable must not
    # slip past the comparison above.
    seen = {(path, name) for path, name, _ in snippet_defaults()}
    for path, name in [
        ("snippets/cluster-architecture/versions.sh", "K8S_VERSION"),
        ("snippets/cluster-architecture/cluster-upgrade-control-plane.sh", "K8S_MINOR"),
        ("snippets/cluster-architecture/cluster-upgrade-control-plane.sh", "K8S_PATCH"),
        ("snippets/cluster-architecture/cluster-upgrade-worker.sh", "K8S_MINOR"),
        ("snippets/cluster-architecture/cluster-upgrade-worker.sh", "K8S_PATCH"),
    ]:
        assert (path, name) in seen, f"{path} no longer sets {name}=${{{name}:-...}}"
