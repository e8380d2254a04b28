"""axe-core finds no serious or critical accessibility violation on the home page, a long
content page and the search results, in both languages.

axe-core comes from npm (pinned in package.json and package-lock.json) and is injected
from node_modules/, so the test needs no network.
"""

from __future__ import annotations

import pytest
import sample
from actions import search
from conftest import page_url
from test_reading import load_diagrams

AXE = sample.ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
SEARCH_QUERY = {"ko": "파드", "en": "pod"}


def axe_violations(page) -> list[dict]:
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `make test-browser` (it runs `npm ci`)")
    # Colors are checked as shown: wait for fades and slides (the search dialog's) to end.
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const { violations } = await axe.run(document, { resultTypes: ["violations"] });
        return violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")) }));
    }""")
    return [v for v in result if v["impact"] in BLOCKING]


def report(violations: list[dict], what: str, url: str) -> str:
    return f"{what} ({url}) has serious accessibility violations:\n" + "\n".join(
        f"- {v['impact']} {v['id']}: {v['help']} at {', '.join(v['nodes'])}" for v in violations
    )


@pytest.mark.parametrize("lang", sample.LANGUAGES)
def test_home_page_and_search_results_have_no_serious_violation(open_page, server, lang):
    page = open_page(page_url(server, "index", lang))
    page.wait_for_load_state("load")
    home = axe_violations(page)
    assert search(page, SEARCH_QUERY[lang]), "the search for the accessibility check found nothing"
    results = axe_violations(page)
    assert not home and not results, "\n".join(
        report(v, what, page.url) for v, what in ((home, "the home page"), (results, "the search results")) if v
    )


@pytest.mark.parametrize("lang", sample.LANGUAGES)
def test_long_content_page_has_no_serious_violation(open_page, server, lang):
    stem = sample.long_page()
    if stem is None:
        pytest.fail("no content page exists yet")
    page = open_page(page_url(server, stem, lang))
    page.wait_for_load_state("load")
    diagrams = sample.source(stem, lang).count("```mermaid")
    if diagrams:  # check the diagram images and their alt text too
        load_diagrams(page, diagrams)
    violations = axe_violations(page)
    assert not violations, report(violations, "the page", page.url)
