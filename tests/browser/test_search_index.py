"""The search index, as a reader's browser fetches it: once per language, and only when the reader reaches for search.

cka/site/search_ko.py writes one index per language (search/search_index.<lang>.json, and
.js for file://); cka/site/search_ko.js fetches the page's own language's, online only after
a click or focus in the search box, the keys that open search (/, s, f) or a ?q= link.
"""

from __future__ import annotations

import re

import pytest
from conftest import page_url, same_page

import sample
from actions import search

INDEX = re.compile(r"/search/search_index(\.(?P<lang>[a-z]+))?\.(json|js)$")
WAIT_MS = 20_000


def index_requests(requests: list[str]) -> list[str]:
    return [url for url in requests if INDEX.search(url)]


def opened(open_page, url: str, offline: bool = False):
    """A page opened at url, with every request it makes recorded."""
    page = open_page(offline=offline)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url, wait_until="load")
    return page, requests


def wait_for_index(page, requests: list[str]) -> None:
    for _ in range(WAIT_MS // 100):
        if index_requests(requests):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"no search index was requested within {WAIT_MS} ms")


@pytest.mark.parametrize("where", ["online", "offline"])
def test_no_index_request_before_the_reader_reaches_for_search(open_page, server, offline_base, where):
    """Loading, idling and reading a page to its end fetch no search index; a click in the search box does."""
    offline = where == "offline"
    base = offline_base if offline else server
    page, requests = opened(open_page, page_url(base, sample.long_page() or "index", "ko", offline), offline)
    page.wait_for_timeout(2500)  # longer than the browser's idle callback after load
    for _ in range(30):  # read to the end, a screen at a time
        if page.evaluate("() => { scrollBy(0, innerHeight); return innerHeight + scrollY >= document.body.scrollHeight - 2; }"):
            break
        page.wait_for_timeout(30)
    page.keyboard.press("ArrowDown")  # keys that do not open search
    page.keyboard.press("PageDown")
    page.wait_for_timeout(500)
    assert not index_requests(requests), f"the index was fetched before the reader reached for search: {index_requests(requests)}"
    page.locator("input.md-search__input").click()
    page.locator("input.md-search__input").fill("클레임")
    page.locator("input.md-search__input").press("End")
    wait_for_index(page, requests)


@pytest.mark.parametrize("lang", sample.LANGUAGES)
@pytest.mark.parametrize("key", ["/", "s", "f"])
def test_the_search_key_fetches_only_the_pages_language_index(open_page, server, lang, key):
    page, requests = opened(open_page, page_url(server, "index", lang))
    page.wait_for_timeout(300)
    assert not index_requests(requests)
    page.keyboard.press(key)
    wait_for_index(page, requests)
    page.wait_for_timeout(300)
    fetched = {INDEX.search(url).group("lang") for url in index_requests(requests)}
    assert fetched == {lang}, f"a {lang} page fetched the index of {fetched}"
    assert page.locator("input.md-search__input").evaluate("box => box === document.activeElement")


@pytest.mark.parametrize("where", ["online", "offline"])
def test_the_korean_page_searches_with_the_korean_index_only(open_page, server, offline_base, where):
    offline = where == "offline"
    base = offline_base if offline else server
    page, requests = opened(open_page, page_url(base, "index", "ko", offline), offline)
    expected = page_url(base, "storage/storage-classes", "ko", offline)
    results = search(page, "스토리지클래스")
    assert results and same_page(results[0], expected), f"스토리지클래스 found {results[:3]}, not {expected} first"
    fetched = index_requests(requests)
    assert fetched and all(INDEX.search(url).group("lang") == "ko" for url in fetched), f"the Korean page fetched {fetched}"
    assert all(url.endswith(".js" if offline else ".json") for url in fetched)


def test_a_search_link_answers_without_a_click(open_page, server):
    """A ?q= link opens search with the query; the index comes without any other action."""
    page, requests = opened(open_page, page_url(server, "index", "en") + "?q=PersistentVolumeClaim")
    page.wait_for_function(
        """() => document.querySelectorAll(".md-search-result__item").length > 0""", timeout=WAIT_MS,
    )
    assert [INDEX.search(url).group("lang") for url in index_requests(requests)] == ["en"]
