"""The offline site, opened from file:// with no server: it navigates, switches language,
searches and draws diagrams, and the browser asks for nothing but files."""

from __future__ import annotations

import pytest
import sample
from actions import follow, open_switcher_link, search
from conftest import page_url, same_page
from test_reading import load_diagrams


def test_offline_site_navigates_from_file(open_page, offline_base):
    page = open_page(page_url(offline_base, "index", "ko", offline=True), offline=True)
    stem = sample.switcher_pages()[1]
    target = page_url(offline_base, stem, "ko", offline=True)
    link = page.locator(f'nav.md-nav--primary a.md-nav__link[href$="{stem.rsplit("/", 1)[-1]}.html"]').first
    with page.expect_navigation(wait_until="domcontentloaded"):
        link.evaluate("a => a.click()")  # the link may sit in a collapsed section of the navigation
    assert same_page(page.url, target), f"the navigation link went to {page.url}, not {target}"
    assert page.locator("article h1").first.is_visible()
    open_switcher_link(page, "en")
    english = page_url(offline_base, stem, "en", offline=True)
    assert same_page(page.url, english), f"the offline English switcher went to {page.url}, not {english}"


@pytest.mark.parametrize(
    ("lang", "query", "stem"),
    [
        pytest.param("ko", "퍼시스턴트볼륨", "storage/persistent-volumes", id="ko"),
        pytest.param("en", "--ignore-daemonsets", "cluster-architecture/node-maintenance", id="en-kubectl-flag"),
    ],
)
def test_offline_site_searches_from_file(open_page, offline_base, lang, query, stem):
    if stem not in sample.stems():
        pytest.fail(f"docs/{stem} does not exist in both languages yet")
    page = open_page(page_url(offline_base, "index", lang, offline=True), offline=True)
    expected = page_url(offline_base, stem, lang, offline=True)
    results = search(page, query)
    position = next((n for n, url in enumerate(results) if same_page(url, expected)), None)
    assert position is not None, f"offline, searching {query!r} did not find {expected}; results: {results[:10]}"
    follow(page, page.locator(".md-search-result__item > a.md-search-result__link").nth(position))
    assert same_page(page.url, expected)


def test_offline_site_draws_diagrams_from_file(open_page, offline_base):
    stem = sample.with_feature(sample.MERMAID)
    if stem is None:
        pytest.fail("no page in both languages has a Mermaid diagram yet")
    page = open_page(page_url(offline_base, stem, "ko", offline=True), offline=True)
    load_diagrams(page, sample.source(stem, "ko").count("```mermaid"))
