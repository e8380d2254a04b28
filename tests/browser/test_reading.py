"""What a reader does on a content page: copy a manifest, open an answer, switch tabs,
see diagrams, read in dark mode."""

from __future__ import annotations

import pytest
from conftest import page_url

import sample

# Material draws each Mermaid diagram into a closed shadow root; opening it lets the
# test see the SVG. Nothing else about the page changes.
OPEN_SHADOW_ROOTS = """
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) { return attach.call(this, { ...init, mode: "open" }); };
"""


def need(stem, what):
    if stem is None:
        pytest.skip(f"no page in both languages has {what} yet")
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


def render_diagrams(page, expected: int) -> None:
    """Scroll down the page as a reader does until every diagram is drawn (Mermaid loads
    when a diagram comes near the screen)."""
    drawn = page.locator("div.mermaid")
    for _ in range(200):
        if drawn.count() >= expected:
            break
        at_bottom = page.evaluate(
            "() => { scrollBy(0, innerHeight * 0.8); return innerHeight + scrollY >= document.body.scrollHeight - 2; }"
        )
        page.wait_for_timeout(50 if not at_bottom else 250)
    drawn.nth(expected - 1).wait_for(state="attached", timeout=20_000)


@pytest.mark.parametrize("lang", sample.LANGUAGES)
def test_mermaid_diagrams_render_as_svg(open_page, server, lang):
    stem = need(sample.with_feature(sample.MERMAID), "a Mermaid diagram")
    page = open_page(None)
    page.add_init_script(OPEN_SHADOW_ROOTS)
    loaded = []
    page.on("response", lambda r: "/assets/javascripts/vendor/mermaid-" in r.url and loaded.append(r))
    page.goto(page_url(server, stem, lang))
    expected = sample.source(stem, lang).count("```mermaid")
    render_diagrams(page, expected)
    assert loaded and all(r.ok for r in loaded), "the local copy of Mermaid did not load"
    diagrams = page.locator("div.mermaid svg")
    diagrams.nth(expected - 1).wait_for(state="attached")
    assert diagrams.count() == expected
    assert page.locator("pre.mermaid").count() == 0, "a diagram is still shown as text"
    for n in range(expected):
        diagrams.nth(n).scroll_into_view_if_needed()
        box = diagrams.nth(n).bounding_box()
        assert box and box["width"] > 50 and box["height"] > 20, f"diagram {n + 1} on {page.url} is empty: {box}"


def test_mermaid_waits_until_a_diagram_comes_near_the_screen(open_page, server):
    stem = need(sample.long_page(), "a long content page")
    expected = sample.source(stem, "ko").count("```mermaid")
    if not expected:
        pytest.skip(f"docs/{stem}.ko.md has no diagram")
    page = open_page(None, viewport={"width": 375, "height": 740})
    loaded = []
    page.on("request", lambda r: "/vendor/mermaid-" in r.url and loaded.append(r.url))
    page.goto(page_url(server, stem, "ko"), wait_until="load")
    # A diagram waiting for Mermaid is a <pre> outside the highlighted code blocks.
    first = page.evaluate("""() => [...document.querySelectorAll("article pre, article div.mermaid")]
        .find(e => !e.closest(".highlight")).getBoundingClientRect().top / innerHeight""")
    if first < 1.5:
        pytest.skip(f"the first diagram of {stem} is on its first screen ({first:.1f} screens down)")
    page.wait_for_timeout(500)
    assert not loaded, f"Mermaid loaded although the first diagram is {first:.1f} screens down"
    render_diagrams(page, expected)
    assert loaded, "Mermaid did not load when the diagrams came near"


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
