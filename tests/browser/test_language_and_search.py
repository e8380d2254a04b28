"""The language switcher and search, on the online site, as a reader uses them."""

from __future__ import annotations

import pytest
import sample
from actions import follow, open_switcher_link, search
from conftest import page_url, same_page


@pytest.mark.parametrize("stem", sample.switcher_pages())
def test_language_switcher_lands_on_the_same_page_and_back(open_page, server, stem):
    ko, en = (page_url(server, stem, lang) for lang in sample.LANGUAGES)
    page = open_page(ko)
    assert page.locator("html").get_attribute("lang") == "ko"
    open_switcher_link(page, "en")
    assert same_page(page.url, en), f"the English switcher on {ko} went to {page.url}, not {en}"
    assert page.locator("html").get_attribute("lang") == "en"
    open_switcher_link(page, "ko")
    assert same_page(page.url, ko), f"the Korean switcher on {en} went to {page.url}, not {ko}"
    assert page.locator("html").get_attribute("lang") == "ko"


# (language of the site searched, query, the page a reader expects to find)
SEARCHES = [
    pytest.param("ko", "퍼시스턴트볼륨", "storage/persistent-volumes", id="ko-word"),
    pytest.param("ko", "롤바인딩", "cluster-architecture/rbac", id="ko-kind"),
    pytest.param("ko", "볼륨클레임", "storage/persistent-volumes", id="ko-inside-a-compound"),
    pytest.param("en", "--ignore-daemonsets", "cluster-architecture/node-maintenance", id="en-kubectl-flag"),
    pytest.param("en", "reclaim policy", "storage/persistent-volumes", id="en-words"),
]


@pytest.mark.parametrize(("lang", "query", "stem"), SEARCHES)
def test_search_finds_the_page_and_opens_it(open_page, server, lang, query, stem):
    if stem not in sample.stems():
        pytest.fail(f"docs/{stem} does not exist in both languages yet")
    page = open_page(page_url(server, "index", lang))
    expected = page_url(server, stem, lang)
    results = search(page, query)
    position = next((n for n, url in enumerate(results) if same_page(url, expected)), None)
    assert position is not None, f"searching {query!r} on the {lang} site did not find {expected}; results: {results[:10]}"
    assert position < 10, f"searching {query!r}: {expected} is result {position + 1}, not in the first 10"
    follow(page, page.locator(".md-search-result__item > a.md-search-result__link").nth(position))
    assert same_page(page.url, expected), f"the result for {expected} opened {page.url}"
    assert page.locator("article h1").first.is_visible()

