"""One source of truth for versions: versions.yaml. Everything else must agree with it."""

from __future__ import annotations

import re

import yaml
from pages import DOCS, ROOT

VERSIONS = yaml.safe_load((ROOT / "versions.yaml").read_text(encoding="utf-8"))


def test_requirements_pin_what_versions_yaml_says():
    locked = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", line)
        if match:
            locked[match.group(1).lower().replace("_", "-")] = match.group(2)
    for name, version in VERSIONS["python"].items():
        key = name.lower().replace("_", "-")
        assert locked.get(key) == str(version), (
            f"requirements.txt pins {name}=={locked.get(key)} but versions.yaml says {version}; run `make lock`"
        )


def test_requirements_carry_hashes():
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    pins = re.findall(r"^[A-Za-z0-9_.\-]+==", text, re.M)
    assert pins and text.count("--hash=sha256:") >= len(pins), "requirements.txt must pin every package with hashes"


def test_curriculum_is_for_the_pinned_minor():
    curriculum = yaml.safe_load((ROOT / "data" / "curriculum.yaml").read_text(encoding="utf-8"))
    assert curriculum["exam"]["kubernetes_minor"] == VERSIONS["kubernetes"]["minor"], (
        "data/curriculum.yaml exam.kubernetes_minor differs from versions.yaml kubernetes.minor"
    )
    assert VERSIONS["kubernetes"]["version"].startswith("v" + VERSIONS["kubernetes"]["minor"] + ".")


def test_pages_do_not_type_the_patch_version_by_hand():
    version = VERSIONS["kubernetes"]["version"]
    for page in DOCS.rglob("*.md"):
        assert version not in page.read_text(encoding="utf-8"), (
            f"{page.relative_to(ROOT)} types {version}; write {{{{ k8s.version }}}} instead"
        )
