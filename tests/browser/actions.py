"""What a reader does on a page, as the tests do it."""

from __future__ import annotations

import json

from playwright.sync_api import Page

SEARCH_WAIT_MS = 20_000  # building the search index takes about a second per page load on two cores


def search(page: Page, query: str) -> list[str]:
    """Type a query into the search box and return the result links (absolute URLs), best first."""
    box = page.locator("input.md-search__input")
    if not box.is_visible():  # narrow screens show the search icon only
        page.locator("label[for=__search]").first.click()
    box.click()
    box.fill(query)
    box.press("End")  # the keyup that Material listens to
    # The result count line says "N matching documents" or "no matching documents" once the
    # worker has answered this query (the texts come from the page's own translations).
    translations = json.loads(page.locator("#__config").text_content() or "{}").get("translations", {})
    none = translations.get("search.result.none", "No matching documents")
    page.wait_for_function(
        """([none]) => {
            const meta = document.querySelector(".md-search-result__meta");
            return meta && (meta.textContent.trim() === none || /\\d/.test(meta.textContent));
        }""",
        arg=[none],
        timeout=SEARCH_WAIT_MS,
    )
    links = page.locator(".md-search-result__item > a.md-search-result__link")
    return links.evaluate_all("links => links.map(a => a.href)")


def open_switcher_link(page: Page, lang: str) -> None:
    """Open the language menu in the header and choose a language."""
    page.locator(".md-header .md-select").first.hover()
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator(f".md-header a.md-select__link[hreflang={lang}]").click()


def follow(page: Page, link) -> None:
    """Click a link and wait until the page it opens has loaded."""
    with page.expect_navigation(wait_until="domcontentloaded"):
        link.click()
