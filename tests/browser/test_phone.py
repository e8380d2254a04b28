"""A phone-sized screen: the navigation opens, and code stays readable without the page
scrolling sideways."""

from __future__ import annotations

import pytest
import sample
from conftest import page_url

PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
MIN_CODE_FONT_PX = 12


@pytest.mark.parametrize("lang", sample.LANGUAGES)
@pytest.mark.parametrize("which", ["home", "long page"])
def test_phone_shows_navigation_and_readable_code_without_sideways_scrolling(open_page, server, lang, which):
    stem = "index" if which == "home" else sample.long_page()
    if stem is None:
        pytest.fail("no content page exists yet")
    page = open_page(page_url(server, stem, lang), **PHONE)
    width = page.evaluate("window.innerWidth")
    overflow = page.evaluate("document.documentElement.scrollWidth")
    if overflow > width:
        wide = page.evaluate(
            """(width) => [...document.querySelectorAll("body *")]
                .filter(e => e.getBoundingClientRect().right > width + 1 && e.offsetParent !== null)
                .filter(e => !e.closest("pre, .md-typeset__scrollwrap, .md-sidebar, .md-search"))
                .slice(0, 5).map(e => e.tagName.toLowerCase() + "." + [...e.classList].join("."))""",
            width,
        )
        pytest.fail(f"{page.url}: the page is {overflow}px wide on a {width}px screen; too wide: {wide}")

    page.locator("label.md-header__button[for=__drawer]").click()
    links = page.locator("nav.md-nav--primary a.md-nav__link:visible")
    links.first.wait_for(state="visible")
    assert links.count() >= 3, "the navigation drawer opened empty"
    # The drawer slides in from the left.
    page.wait_for_function("() => document.querySelector('.md-sidebar--primary').getBoundingClientRect().left >= 0")
    assert page.locator(".md-sidebar--primary").bounding_box()["width"] >= 200, "the navigation drawer is too narrow"
    page.locator("label.md-overlay[for=__drawer]").click(position={"x": 360, "y": 400})

    code = page.locator("article .highlight pre > code")
    for n in range(min(code.count(), 5)):
        block = code.nth(n)
        block.scroll_into_view_if_needed()
        size = float(block.evaluate("c => getComputedStyle(c).fontSize").removesuffix("px"))
        assert size >= MIN_CODE_FONT_PX, f"code block {n + 1} on {page.url} uses {size}px text"
        box = block.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (
            f"code block {n + 1} on {page.url} sticks out of the screen: {box}"
        )
        assert block.evaluate("c => getComputedStyle(c).overflowX") in ("auto", "scroll"), (
            f"code block {n + 1} on {page.url} does not scroll by itself"
        )
