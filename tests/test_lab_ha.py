"""The live HA lab (cka.labs.ha, `make lab-ha`) and the output it generates for the HA page.

The lab itself needs root and runs in `make test` as its own step ("lab: HA"). These tests
check, without running it, that the generated output the page shows exists, comes from the
current inputs (the scenario, the lab's shell script, haproxy.cfg, versions), and that both pages include it.
"""

from __future__ import annotations

import json
import re

import pytest
from cka.labs.ha import common, report
from cka.paths import ROOT

from pages import includes

PAGES = {lang: ROOT / "docs" / "cluster-architecture" / f"high-availability.{lang}.md" for lang in ("ko", "en")}
OUTPUT = common.OUTPUT
REGENERATE = "regenerate it with `make lab-ha` (as root) and commit the result"
SECTIONS = ("summary", "setup", "step-1", "step-2", "step-3", "step-4", "step-5")
START = re.compile(r"--8<-- \[start:([\w-]+)\]")


def generated() -> str:
    if not OUTPUT.exists():
        pytest.fail(f"{OUTPUT.relative_to(ROOT)} is missing: {REGENERATE}")
    return OUTPUT.read_text(encoding="utf-8")


def figures(text: str) -> dict:
    m = re.search(r"^<!-- figures: (\{.*\}) -->$", text, re.M)
    assert m, f"{OUTPUT.relative_to(ROOT)} has no figures line: {REGENERATE}"
    return json.loads(m.group(1))


def test_generated_output_comes_from_the_current_inputs():
    text = generated()
    m = re.search(r"^<!-- inputs-sha256: ([0-9a-f]{64}) -->$", text, re.M)
    assert m, f"{OUTPUT.relative_to(ROOT)} records no inputs hash: {REGENERATE}"
    inputs = ", ".join(p.relative_to(ROOT).as_posix() for p in report.INPUT_FILES)
    assert m.group(1) == report.inputs_hash(), (
        f"{OUTPUT.relative_to(ROOT)} is stale: {inputs} or the Kubernetes/etcd versions changed since it was "
        f"generated; {REGENERATE}"
    )


def test_generated_output_has_every_section_and_figure():
    text = generated()
    found = START.findall(text)
    missing = [s for s in SECTIONS if s not in found]
    assert not missing, f"{OUTPUT.relative_to(ROOT)} lacks the sections {missing}: {REGENERATE}"
    f = figures(text)
    for key in ("election_s", "quorum_back_s", "api_gap_s", "api_down_detect_s", "lease_takeover_s", "total_s"):
        assert isinstance(f.get(key), (int, float)) and f[key] > 0, f"figure {key} is missing or not positive"
    assert f["api_failed"] == 0 and f["api_requests"] > 0
    assert f["total_s"] < 600, "the whole lab should take a few minutes at most"


def test_both_pages_include_the_lab_output_and_script_sections():
    targets = {}
    for lang, page in PAGES.items():
        inc = includes(page.read_text(encoding="utf-8"))
        lab = [i for i in inc if i.startswith(OUTPUT.relative_to(ROOT).as_posix() + ":")]
        script = [i for i in inc if i.startswith("snippets/cluster-architecture/high-availability-lab.sh:")]
        for section in SECTIONS:
            assert f"{OUTPUT.relative_to(ROOT).as_posix()}:{section}" in lab, f"{page.name} does not show {section}"
        assert script, f"{page.name} shows none of the lab's commands (snippets/cluster-architecture/high-availability-lab.sh sections)"
        targets[lang] = lab + script
    for include in targets["ko"] + targets["en"]:
        path, section = include.split(":", 1)
        assert f"--8<-- [start:{section}]" in (ROOT / path).read_text(encoding="utf-8"), f"{include}: no such section"


def test_topology_comes_from_the_page_files():
    topo = common.topology()
    assert topo.lb_ip == "192.168.56.10" and topo.port == 6443
    assert list(topo.nodes) == ["controlplane-1", "controlplane-2", "controlplane-3"]
    assert topo.api_nodes == ["controlplane-1", "controlplane-2"]


CFG = """
frontend kube-apiserver
    bind *:6443
backend kube-apiservers
    server a {a}:6443 check
    server b {b}:6443 check
    server c {c}:6443 check
"""


def test_topology_refuses_addresses_outside_the_private_ranges():
    cfg = CFG.format(a="198.51.100.11", b="198.51.100.12", c="198.51.100.13")
    with pytest.raises(common.LabError, match="private"):
        common.topology(cfg, 'controlPlaneEndpoint: "198.51.100.10:6443"')


def test_topology_needs_one_network():
    cfg = CFG.format(a="10.0.0.11", b="10.0.1.12", c="10.0.0.13")
    with pytest.raises(common.LabError, match="one /24"):
        common.topology(cfg, "controlPlaneEndpoint: 10.0.0.10:6443")


def test_longest_gap_counts_only_answered_requests():
    stream = [(0.0, 0.1, True), (0.1, 0.2, True), (0.2, 3.2, False), (3.2, 4.5, True), (4.5, 4.6, True)]
    assert common.longest_gap(stream, 0.0) == pytest.approx(4.3)
    assert common.longest_gap([], 0.0) == 0.0


def test_leader_time_comes_from_etcds_log():
    log = "\n".join([
        '{"level":"info","ts":"2026-01-01T10:00:01.000000Z","logger":"raft","msg":"abc became leader at term 2"}',
        "not json",
        '{"level":"info","ts":"2026-01-01T10:00:09.250000Z","logger":"raft","msg":"abc became leader at term 4"}',
    ])
    after = common.parse_etcd_ts("2026-01-01T10:00:08Z")
    assert common.became_leader_at(log, "abc", after) - after == pytest.approx(1.25)
    assert common.became_leader_at(log, "def", after) is None


def test_inputs_hash_covers_the_versions(monkeypatch):
    before = report.inputs_hash()
    monkeypatch.setattr(report, "versions", lambda: {"kubernetes": "v1.0.0", "etcd": "v3.0.0"})
    assert report.inputs_hash() != before
