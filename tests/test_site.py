"""The built sites: language switcher, lecture map, versions, and nothing loaded from other hosts."""

from __future__ import annotations

import html.parser
import pathlib
import re
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
from pages import DOCS, LANGUAGES

from cka.site import catalogue, lecture_map

REMOTE = re.compile(r"^(https?:)?//", re.I)


class Tags(html.parser.HTMLParser):
    """Collects (tag, attributes) of every start tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def tags_of(path: pathlib.Path) -> list[tuple[str, dict[str, str]]]:
    parser = Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags


def built_page(site: pathlib.Path, stem: str, lang: str, directory_urls: bool = True) -> pathlib.Path:
    prefix = "" if lang == LANGUAGES[0] else f"{lang}/"
    if stem == "index" or stem.endswith("/index"):
        return site / prefix / (stem + ".html")
    return site / prefix / (f"{stem}/index.html" if directory_urls else f"{stem}.html")


def resolve(site: pathlib.Path, page: pathlib.Path, href: str) -> pathlib.Path:
    """The built file a link on `page` opens. Absolute paths are taken from the site root."""
    path = urllib.parse.unquote(urllib.parse.urlparse(href).path)
    target = (site / path.lstrip("/")) if path.startswith("/") else (page.parent / path)
    target = target.resolve()
    return target / "index.html" if target.is_dir() else target


def source_stems() -> list[str]:
    return sorted({p.relative_to(DOCS).as_posix()[:-6] for p in DOCS.rglob("*.ko.md")})


@pytest.mark.parametrize("stem", source_stems())
def test_switcher_links_to_the_same_page_in_the_other_language(site_dir, stem):
    for lang in LANGUAGES:
        page = built_page(site_dir, stem, lang)
        assert page.exists(), f"docs/{stem}.{lang}.md was not built to {page.relative_to(site_dir)}"
        links = {a["hreflang"]: a["href"] for tag, a in tags_of(page) if tag == "a" and "hreflang" in a}
        for other in LANGUAGES:
            assert other in links, f"{page.relative_to(site_dir)} (docs/{stem}.{lang}.md): no switcher link to {other}"
            target = resolve(site_dir, page, links[other])
            expected = built_page(site_dir, stem, other).resolve()
            assert target == expected, (
                f"docs/{stem}.{lang}.md: the {other} switcher goes to {links[other]}, not to the same page"
            )


def test_lecture_map_lists_every_claimed_lecture_with_a_link(site_dir):
    pages = catalogue.scan_pages(DOCS)
    for lang in LANGUAGES:
        built = built_page(site_dir, "exam/lecture-map", lang)
        text = built.read_text(encoding="utf-8")
        assert lecture_map.MARKER not in text, f"{built}: the lecture map marker was not replaced"
        linked = {resolve(site_dir, built, a["href"]) for tag, a in tags_of(built) if tag == "a" and "href" in a}
        for stem, by_lang in pages.items():
            meta = by_lang.get(lang)
            if not meta or not meta.get("lectures"):
                continue
            assert built_page(site_dir, stem, lang).resolve() in linked, (
                f"{built.relative_to(site_dir)}: docs/{stem}.{lang}.md claims lectures {meta['lectures']} "
                f"but the lecture map has no link to it"
            )


def test_versions_are_filled_in(site_dir):
    for page in site_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "{{ k8s." not in text and "{{ etcd." not in text, f"{page.relative_to(site_dir)}: a version was not filled in"


def test_home_page_shows_the_pinned_version(site_dir):
    from cka import versions

    version = versions.kubernetes()
    for lang in LANGUAGES:
        assert version in built_page(site_dir, "index", lang).read_text(encoding="utf-8")


def test_korean_headings_keep_hangul_anchors(site_dir):
    page = built_page(site_dir, "exam/guide", "ko")
    ids = [a.get("id", "") for tag, a in tags_of(page) if tag == "h2"]
    assert "시험-형식" in ids, f"{page.relative_to(site_dir)}: Korean heading anchors are not Unicode slugs: {ids}"


def remote_resources(site: pathlib.Path) -> list[str]:
    """Every resource a browser would load from another host, as 'file: what'."""
    found = []
    for page in site.rglob("*.html"):
        for tag, attrs in tags_of(page):
            for attr in ("src", "href", "data", "srcset"):
                value = attrs.get(attr, "")
                loads = tag in ("script", "img", "iframe", "source", "audio", "video", "embed", "object") or (
                    tag == "link" and attrs.get("rel") not in ("canonical", "alternate")
                )
                if loads and value and REMOTE.match(value.strip()):
                    found.append(f"{page.relative_to(site)}: <{tag} {attr}={value}>")
    for css in site.rglob("*.css"):
        for url in re.findall(r"url\(\s*['\"]?((?:https?:)?//[^'\")]+)", css.read_text(encoding="utf-8")):
            found.append(f"{css.relative_to(site)}: url({url})")
        for url in re.findall(r"@import\s+['\"]((?:https?:)?//[^'\"]+)", css.read_text(encoding="utf-8")):
            found.append(f"{css.relative_to(site)}: @import {url}")
    for js in site.rglob("*.js"):
        text = js.read_text(encoding="utf-8", errors="replace")
        for url in re.findall(r"[\"'`]((?:https?:)?//(?:unpkg\.com|cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com|fonts\.googleapis\.com|fonts\.gstatic\.com)[^\"'`]*)", text):
            found.append(f"{js.relative_to(site)}: loads {url}")
    return found


@pytest.mark.parametrize("which", ["online", "offline"])
def test_no_resource_is_loaded_from_another_host(which, site_dir, offline_dir):
    site = site_dir if which == "online" else offline_dir
    found = remote_resources(site)
    assert not found, f"the {which} site loads from other hosts:\n" + "\n".join(found[:30])


def test_offline_site_has_no_canonical_links_to_a_server(offline_dir):
    for page in offline_dir.rglob("*.html"):
        for tag, attrs in tags_of(page):
            if tag == "link" and REMOTE.match(attrs.get("href", "")):
                pytest.fail(f"{page.relative_to(offline_dir)}: <link href={attrs['href']}> points at a server")


def test_offline_site_searches_from_file(offline_dir):
    """Each language has its own index, also as a script that file:// pages can load."""
    for lang in LANGUAGES:
        index = offline_dir / "search" / f"search_index.{lang}.js"
        assert index.exists(), f"site-offline/search/{index.name} is missing: search would not work from file://"
        assert index.read_text(encoding="utf-8").startswith("var __index =")
    assert not (offline_dir / "search" / "search_index.js").exists(), "the merged index of both languages is left"
    home = (offline_dir / "index.html").read_text(encoding="utf-8")
    assert "vendor/iframe-worker-" in home, "the offline site does not load the local iframe-worker shim"
    assert 'href="exam/guide.html"' in home, "offline links must point at .html files"


@pytest.mark.parametrize("which", ["online", "offline"])
def test_diagrams_are_svg_images_drawn_at_build_time(which, site_dir, offline_dir):
    """Every diagram is an <img> of an SVG file in the site with its accTitle and accDescr
    as alt text; no page ships Mermaid to draw one in the reader's browser."""
    site = site_dir if which == "online" else offline_dir
    drawn = 0
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert '<pre class="mermaid">' not in text, f"{page.relative_to(site)}: a diagram was left to Mermaid"
        parser = Tags()
        parser.feed(text)
        images = [a for tag, a in parser.tags if tag == "img" and "assets/diagrams/" in a.get("src", "")]
        for n, attrs in enumerate(images):
            image = (page.parent / attrs["src"]).resolve()
            assert image.is_file(), f"{page.relative_to(site)}: {attrs['src']} does not exist"
            svg = ET.parse(image).getroot()
            assert svg.tag == "{http://www.w3.org/2000/svg}svg", f"{image.name} is not an SVG"
            assert svg.find("{http://www.w3.org/2000/svg}title") is not None, f"{image.name} has no <title>"
            assert len(attrs.get("alt", "")) > 20, f"{page.relative_to(site)}: {attrs['src']} has no real alt text"
            assert attrs.get("width", "").isdigit() and attrs.get("height", "").isdigit()
            # The first diagram of a page loads at once; the others when the reader gets near.
            assert (attrs.get("loading") == "lazy") == (n > 0), f"{page.relative_to(site)}: diagram {n + 1} loading"
        drawn += len(images)
    expected = sum(text.count("```mermaid") for text in (p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md")))
    assert drawn == expected, f"the {which} site shows {drawn} drawn diagrams; the pages have {expected}"
    assert not list((site / "assets" / "javascripts").rglob("mermaid-*.js")), "Mermaid is shipped although unused"
    bundle = next((site / "assets" / "javascripts").glob("bundle.*.min.js")).read_text(encoding="utf-8")
    assert "unpkg.com/mermaid" not in bundle, "Material's bundle still points at Mermaid on a CDN"


def test_translations_are_listed_in_the_sitemap_not_in_page_heads(site_dir):
    """Material fetches <href>/sitemap.xml for every <link rel=alternate> in a head (a 404
    for page links), so the sitemap alone pairs the languages (hooks/hreflang.py)."""
    heads = [p for p in site_dir.rglob("*.html") if any(
        tag == "link" and a.get("rel") == "alternate" and "hreflang" in a for tag, a in tags_of(p))]
    assert not heads, f"{len(heads)} pages still list translations in <head>, e.g. {heads[0].relative_to(site_dir)}"
    sitemap = (site_dir / "sitemap.xml").read_text(encoding="utf-8")
    pages = sitemap.count("<url>")
    assert pages >= 100 and sitemap.count('hreflang="en"') == pages, "sitemap.xml lacks the English alternates"
