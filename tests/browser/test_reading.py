"""What a reader does on a content page: copy a manifest, open an answer, switch tabs,
see diagrams, read in dark mode."""

from __future__ import annotations

import re

import pytest
import sample
from conftest import page_url

# A diagram's text alternative in its Markdown: the image's alt text is "<title>. <description>".
ACC_TITLE = re.compile(r"^\s*accTitle\s*:\s*(.+?)\s*$", re.M)

def need(stem, what):
    if stem is None:
        pytest.fail(f"no page in both languages has {what} yet")
    return stem


@pytest.mark.parametrize("lang", sample.LANGUAGES)
def test_copy_button_copies_the_manifest_file_exactly(open_page, server, lang):
    found = sample.manifest_block()
    stem, manifest = need(found and found[0], "a titled manifest block"), found[1]
    page = open_page(page_url(server, stem, lang), permissions=["clipboard-read", "clipboard-write"])
    block = page.locator("div.highlight").filter(has=page.locator(f'span.filename:text-is("{manifest}")')).first
    block.hover()
    block.locator("button[data-md-type=copy], button.md-clipboard").first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    text = (sample.ROOT / manifest).read_text(encoding="utf-8")
    # Material trims the end of what it copies; the file ends with one newline.
    assert copied + "\n" == text, f"the copy button of {manifest} on {page.url} copied something else:\n{copied!r}"


def test_collapsed_answers_open(open_page, server):
    stem = need(sample.with_feature(sample.QUESTION), "a collapsed question")
    page = open_page(page_url(server, stem, "ko"))
    answer = page.locator("details.question").first
    assert answer.get_attribute("open") is None, "the answer is open before the reader asks for it"
    body = answer.locator(":scope > :not(summary)").first
    assert not body.is_visible()
    answer.locator("summary").click()
    assert answer.get_attribute("open") is not None
    assert body.is_visible()


def test_content_tabs_switch(open_page, server):
    stem = need(sample.with_feature(sample.TABS), "content tabs")
    page = open_page(page_url(server, stem, "ko"))
    tabs = page.locator(".tabbed-set").first
    labels = tabs.locator(":scope > .tabbed-labels > label")
    blocks = tabs.locator(":scope > .tabbed-content > .tabbed-block")
    assert labels.count() >= 2 and blocks.count() == labels.count()
    assert blocks.nth(0).is_visible() and not blocks.nth(1).is_visible()
    labels.nth(1).click()
    assert blocks.nth(1).is_visible() and not blocks.nth(0).is_visible()


def load_diagrams(page, expected: int) -> None:
    """Bring each diagram into view, as a reader scrolling down does, until its image has
    loaded (the images load lazily); then check that each has a size."""
    images = page.locator("figure.diagram img")
    assert images.count() == expected, f"{page.url} shows {images.count()} diagrams; its source has {expected}"
    for n in range(expected):
        image = images.nth(n)
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=15_000)
        box = image.bounding_box()
        assert box and box["width"] > 50 and box["height"] > 20, f"diagram {n + 1} on {page.url} is empty: {box}"


@pytest.mark.parametrize("lang", sample.LANGUAGES)
def test_diagrams_are_svg_images_with_their_text_alternative(open_page, server, lang):
    stem = need(sample.with_feature(sample.MERMAID), "a Mermaid diagram")
    page = open_page(None)
    scripts, images = [], []
    page.on("request", lambda r: "/vendor/mermaid-" in r.url and scripts.append(r.url))
    page.on("response", lambda r: "/assets/diagrams/" in r.url and images.append(r))
    page.goto(page_url(server, stem, lang))
    source = sample.source(stem, lang)
    load_diagrams(page, source.count("```mermaid"))
    assert not scripts, f"{page.url} loaded Mermaid although its diagrams are drawn at build time"
    assert images and all(r.ok and r.headers.get("content-type", "").startswith("image/svg+xml") for r in images)
    titles = ACC_TITLE.findall(source)
    alts = page.locator("figure.diagram img").evaluate_all("images => images.map(i => i.alt)")
    assert [alt.split(". ")[0] for alt in alts] == [t.rstrip(".") for t in titles], "alt text is not the accTitle"
    assert page.locator("pre.mermaid").count() == 0, "a diagram is still shown as text"


def test_diagrams_far_down_the_page_load_only_when_the_reader_gets_near(open_page, server):
    # Every diagram but a page's first loads lazily: take the page whose second diagram
    # comes latest in its text.
    def second(stem: str) -> int:
        text = sample.source(stem, "ko")
        return text.find("```mermaid", text.find("```mermaid") + 1)
    stem = need(max(sample.stems(), key=second, default=None), "a page with two diagrams")
    expected = sample.source(stem, "ko").count("```mermaid")
    if expected < 2:
        pytest.fail("no page has two diagrams")
    page = open_page(None, viewport={"width": 375, "height": 740})
    loaded = []
    page.on("request", lambda r: "/assets/diagrams/" in r.url and loaded.append(r.url))
    page.goto(page_url(server, stem, "ko"), wait_until="load")
    lazy = page.locator("figure.diagram img").nth(1)
    top = lazy.evaluate("img => img.getBoundingClientRect().top")
    # Chromium fetches lazy images from about 1,250 to 2,500 px before they come into view.
    if top < 3000:
        pytest.fail(f"the second diagram of {stem} is only {top:.0f} px down the page")
    page.wait_for_timeout(500)
    src = lazy.get_attribute("src").rsplit("/", 1)[-1]
    assert not any(url.endswith(src) for url in loaded), f"a diagram {top:.0f} px down loaded before the reader got near"
    load_diagrams(page, expected)
    assert any(url.endswith(src) for url in loaded), "the diagram did not load when the reader got near"


def test_diagrams_are_inverted_in_dark_mode(open_page, server):
    stem = need(sample.with_feature(sample.MERMAID), "a Mermaid diagram")
    page = open_page(page_url(server, stem, "ko"), color_scheme="dark")
    assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
    diagram = page.locator("figure.diagram img").first
    assert "invert" in diagram.evaluate("img => getComputedStyle(img).filter"), "a light diagram on a dark page"


def test_dark_mode_toggles_and_persists_across_a_reload(open_page, server):
    page = open_page(page_url(server, "index", "ko"))
    scheme = lambda: page.locator("body").get_attribute("data-md-color-scheme")  # noqa: E731
    assert scheme() == "default"
    page.locator("form[data-md-component=palette] label:visible").click()
    assert scheme() == "slate"
    page.reload()
    assert scheme() == "slate", "dark mode was forgotten on reload"
    stem = sample.switcher_pages()[1] if len(sample.switcher_pages()) > 1 else "index"
    page.goto(page_url(server, stem, "ko"))
    assert scheme() == "slate", "dark mode was forgotten on the next page"
    page.locator("form[data-md-component=palette] label:visible").click()
    assert scheme() == "default"
