"""Draw the pages' Mermaid diagrams at build time, as SVG images (the hook: hooks/diagrams.py).

Mermaid is about 1 MB of JavaScript (gzipped) and seconds of main-thread work on a
phone. Instead of shipping it, this hook draws every ```mermaid block once, with the
Mermaid pinned in versions.yaml (browser_assets) in headless Chromium, and puts an
<img> of the SVG in the page. The image's text alternative is the diagram's own
`accTitle:` and `accDescr:` lines, which every diagram must have.

Drawn diagrams are cached by content (Mermaid version, drawing options and the
diagram's text) in <cache>/diagrams/, so a rebuild draws only what changed and needs
no browser at all. The browser is the one the browser tests use: Debian's chromium,
which `python -m cka.site.browser setup` installs, or $CHROME_PATH. Without one, a
diagram that is not in the cache is left to Mermaid in the reader's browser, as
Material does by default, and the build says so once. With DRAW_DIAGRAMS=required
(set by `make test` and the Pages workflow) that is an error instead, so the tested
and the published site never depend on it.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import pathlib
import re
import xml.etree.ElementTree as ET

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

from .. import versions
from ..cache import cache_dir
from ..content import diagram_blocks, text_alternative
from . import assets  # fetches the pinned Mermaid from the npm registry
from . import chromium as browser_tests

log = logging.getLogger("mkdocs.hooks.diagrams")

# pymdownx.superfences with fence_code_format, as configured in mkdocs.yml.
FENCE = re.compile(r'<pre class="mermaid"><code>(.*?)</code></pre>', re.S)
OUTPUT_DIR = "assets/diagrams"
# Everything that changes the drawing is part of the cache key. htmlLabels off: labels
# are SVG text, which an <img> shows (it does not show HTML inside the SVG).
MERMAID_CONFIG = {
    "startOnLoad": False,
    "securityLevel": "strict",
    "theme": "default",
    "fontFamily": '-apple-system, BlinkMacSystemFont, "Segoe UI", "Apple SD Gothic Neo", "Malgun Gothic", '
                  '"Noto Sans KR", NanumGothic, Helvetica, Arial, sans-serif',
    "flowchart": {"htmlLabels": False},
    "stateDiagram": {"htmlLabels": False},
}
DRAW = """
async (source) => {
  const { svg } = await mermaid.render("diagram", source);
  const box = document.createElement("div");
  box.innerHTML = svg;
  return new XMLSerializer().serializeToString(box.firstElementChild);
}
"""


# The browser tests' own Chromium lookup and start-up flags.


def mermaid_script() -> pathlib.Path | None:
    return assets.fetch("mermaid", versions.get("browser_assets", "mermaid"))


def required() -> bool:
    return os.environ.get("DRAW_DIAGRAMS") == "required"


class Drawer:
    """One headless Chromium with Mermaid loaded, started on the first diagram not in the cache."""

    def __init__(self) -> None:
        self.playwright = self.browser = self.page = None
        self.unavailable = ""  # why diagrams cannot be drawn here, once known
        spec = versions.get("browser_assets", "mermaid")
        self.key_base = json.dumps({"mermaid": spec["version"], "config": MERMAID_CONFIG, "draw": DRAW}, sort_keys=True)
        self.cache = cache_dir() / "diagrams"

    def key(self, source: str) -> str:
        return hashlib.sha256((self.key_base + "\0" + source).encode()).hexdigest()[:20]

    def cached(self, key: str) -> str | None:
        path = self.cache / f"{key}.svg"
        return path.read_text(encoding="utf-8") if path.exists() else None

    def start(self) -> bool:
        if self.page is not None:
            return True
        if self.unavailable:
            return False
        chromium = browser_tests.chromium_path()
        script = mermaid_script()
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            sync_playwright = None
        if chromium is None:
            self.unavailable = "no Chromium is installed (or CHROME_PATH is not an executable file)"
        elif script is None:
            self.unavailable = "npm, which fetches Mermaid, is not installed"
        elif sync_playwright is None:
            self.unavailable = "Playwright is not installed (it comes with requirements.txt)"
        if self.unavailable:
            return False
        self.playwright = sync_playwright().start()
        flags = [f for f in browser_tests.CHROMIUM_FLAGS if not f.startswith("--headless")]
        self.browser = self.playwright.chromium.launch(executable_path=chromium, args=flags)
        self.page = self.browser.new_page()
        self.page.set_content("<!doctype html><html><body></body></html>")
        self.page.add_script_tag(path=str(script))
        self.page.evaluate("config => mermaid.initialize(config)", MERMAID_CONFIG)
        return True

    def draw(self, source: str) -> str:
        """The SVG of one diagram; raises ValueError with Mermaid's message when it cannot be drawn."""
        from playwright.sync_api import Error

        try:
            svg = self.page.evaluate(DRAW, source)
        except Error as err:
            # Playwright adds its own prefix and a call log after Mermaid's message.
            message = str(err).split("\nCall log:")[0]
            message = "\n".join(l for l in message.splitlines() if not l.lstrip().startswith("at "))  # stack
            for prefix in ("Page.evaluate: ", "Error: "):
                message = message.removeprefix(prefix)
            raise ValueError(message.strip()) from None
        return standalone(svg)

    def stop(self) -> None:
        if self.browser is not None:
            self.browser.close()
        if self.playwright is not None:
            self.playwright.stop()
        self.playwright = self.browser = self.page = None


def standalone(svg: str) -> str:
    """Give the SVG a fixed size from its viewBox (Mermaid writes width="100%") and check it is XML."""
    root = re.match(r"<svg\b[^>]*>", svg)
    box = re.search(r'viewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"', root.group(0)) if root else None
    if not box:
        raise ValueError("Mermaid drew no SVG with a viewBox")
    width, height = (round(float(v), 1) for v in box.group(3, 4))
    tag = re.sub(r'\s(width|height)="[^"]*"|\sstyle="[^"]*"', "", root.group(0))
    tag = tag.replace("<svg", f'<svg width="{width:g}" height="{height:g}"', 1)
    svg = tag + svg[root.end():]
    ET.fromstring(svg)  # a broken file would show as a broken image: fail here instead
    return svg


def size(svg: str) -> tuple[int, int]:
    """The drawn size in whole pixels, for the <img> (which reserves the space before it loads)."""
    match = re.match(r'<svg width="([\d.]+)" height="([\d.]+)"', svg)
    return round(float(match.group(1))), round(float(match.group(2)))


drawer: Drawer | None = None
to_write: dict[str, str] = {}  # file name -> SVG, written after the build
told = False


def on_config(config):
    global drawer
    drawer = drawer or Drawer()
    return config


def on_page_content(content, page, config, files):
    if 'class="mermaid"' not in content:
        return content
    markdown = page.file.content_string if page.file.abs_src_path else ""
    lines = [line for line, _ in diagram_blocks(markdown)]
    where = page.file.src_uri
    number = 0

    def replace(match: re.Match) -> str:
        global told
        nonlocal number
        number += 1
        line = lines[number - 1] if number <= len(lines) else 1
        source = html.unescape(match.group(1))
        title, description = text_alternative(source)
        if not title or not description:
            raise PluginError(
                f"docs/{where}:{line}: this diagram has no text alternative. Add `accTitle: <what it shows>` and "
                "`accDescr: <one or two sentences>` after its first line: they become the image's alt text"
            )
        key = drawer.key(source)
        svg = drawer.cached(key)
        if svg is None:
            if not drawer.start():
                if required():
                    raise PluginError(
                        f"docs/{where}:{line}: cannot draw this diagram: {drawer.unavailable}. DRAW_DIAGRAMS=required "
                        "asks for every diagram drawn at build time: run `.venv/bin/python -m cka.site.browser setup` first "
                        "(it installs Debian's chromium), or set CHROME_PATH to a Chrome or Chromium binary"
                    )
                if not told:
                    log.info("%s: diagrams not in the cache are left to Mermaid in the reader's browser. "
                             "Run `.venv/bin/python -m cka.site.browser setup` to draw them at build time.",
                             drawer.unavailable)
                    told = True
                return match.group(0)
            try:
                svg = drawer.draw(source)
            except (ValueError, ET.ParseError) as err:
                # Mermaid counts lines from the diagram's first line, the one after the fence.
                message = re.sub(r"\bon line (\d+)", lambda m: f"on line {line + int(m.group(1))} of the page", str(err))
                raise PluginError(f"docs/{where}:{line}: Mermaid cannot draw this diagram:\n{message}") from None
            drawer.cache.mkdir(parents=True, exist_ok=True)
            partial = drawer.cache / f"{key}.part"
            partial.write_text(svg, encoding="utf-8")
            partial.rename(drawer.cache / f"{key}.svg")
        name = f"{key}.svg"
        to_write[name] = svg
        url = html.escape(get_relative_url(f"{OUTPUT_DIR}/{name}", page.url))
        alt = html.escape(f"{title.rstrip('.')}. {description}")
        width, height = size(svg)
        # The first diagram is usually near the top (pages explain the concept with it
        # first) and often the largest thing on the first screen: it loads at once.
        # The others load when the reader gets near them.
        loading = "" if number == 1 else ' loading="lazy"'
        return (
            f'<figure class="diagram"><a href="{url}">'
            f'<img src="{url}" alt="{alt}" width="{width}" height="{height}"{loading} decoding="async">'
            "</a></figure>"
        )

    return FENCE.sub(replace, content)


def on_post_build(config):
    if to_write:
        out = pathlib.Path(config["site_dir"]) / OUTPUT_DIR
        out.mkdir(parents=True, exist_ok=True)
        for name, svg in to_write.items():
            (out / name).write_text(svg, encoding="utf-8")
    to_write.clear()
    if drawer is not None:
        drawer.stop()


def on_build_error(error):
    to_write.clear()
    if drawer is not None:
        drawer.stop()
