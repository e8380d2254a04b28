"""Serve Material's third-party browser scripts from the site itself, never from a CDN (the hook:
hooks/vendor_assets.py).

Material for MkDocs loads Mermaid, and (for the offline build) the iframe-worker
shim, from unpkg.com. This hook fetches the pinned packages listed under
`browser_assets` in versions.yaml with `npm pack` (a registry client, no install
scripts run), checks each tarball against its integrity hash, copies the needed
file to assets/javascripts/vendor/ in the built site, and rewrites the CDN
addresses in Material's bundle to those local files. The address is resolved
against the bundle's own URL, so it works at any page depth, under /en/, and
from file://.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile

from .. import versions
from ..cache import cache_dir

log = logging.getLogger("mkdocs.hooks.vendor_assets")
VENDOR_DIR = "assets/javascripts/vendor"
CACHE = cache_dir() / "browser-assets"


def local_name(name: str, spec: dict) -> str:
    return f"{name}-{spec['version']}.js"


def check_integrity(data: bytes, integrity: str) -> bool:
    algo, _, expected = integrity.partition("-")
    return base64.b64encode(hashlib.new(algo, data).digest()).decode() == expected


def fetch(name: str, spec: dict) -> pathlib.Path | None:
    """The cached file of one package, fetched on first use. None when npm is missing."""
    target = CACHE / local_name(name, spec)
    if target.exists():
        return target
    if shutil.which("npm") is None:
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"==> fetching {name}@{spec['version']} from the npm registry (first build only)", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            ["npm", "pack", f"{name}@{spec['version']}", "--pack-destination", tmp, "--silent", "--ignore-scripts"],
            capture_output=True, text=True,
        )
        tarballs = list(pathlib.Path(tmp).glob("*.tgz"))
        if result.returncode != 0 or not tarballs:
            raise SystemExit(f"error: `npm pack {name}@{spec['version']}` failed: {result.stderr.strip()[:500]}")
        data = tarballs[0].read_bytes()
        if not check_integrity(data, spec["integrity"]):
            raise SystemExit(f"error: {name}@{spec['version']} from the registry does not match the integrity in versions.yaml")
        with tarfile.open(tarballs[0]) as tar:
            member = tar.extractfile(f"package/{spec['file']}")
            if member is None:
                raise SystemExit(f"error: {name}@{spec['version']} has no file {spec['file']} (versions.yaml browser_assets)")
            partial = target.with_suffix(".part")
            partial.write_bytes(member.read())
            partial.rename(target)
    return target


def assets() -> dict[str, dict]:
    return versions.load().get("browser_assets", {})


def offline_enabled(config) -> bool:
    return any(
        type(plugin).__name__ == "OfflinePlugin" and plugin.config.enabled for plugin in config.plugins.values()
    )


def on_config(config):
    # The offline plugin adds the iframe-worker shim from unpkg.com unless a
    # polyfill with that name is listed already: list the local copy instead.
    if offline_enabled(config):
        local = f"{VENDOR_DIR}/{local_name('iframe-worker', assets()['iframe-worker'])}"
        polyfills = [p for p in config.extra.get("polyfills", []) if "iframe-worker" not in p]
        config.extra["polyfills"] = [*polyfills, local]
    return config


# Mermaid is copied only when a page still has a diagram for the reader's browser to
# draw: hooks/diagrams.py, listed before this hook, draws them at build time.
pages_with_mermaid = 0


def on_pre_build(config):
    global pages_with_mermaid
    pages_with_mermaid = 0


def on_page_content(content, page, config, files):
    global pages_with_mermaid
    if '<pre class="mermaid">' in content:
        pages_with_mermaid += 1
    return content


def on_post_build(config):
    site = pathlib.Path(config["site_dir"])
    missing = []
    for name, spec in assets().items():
        if name == "mermaid" and not pages_with_mermaid:
            continue
        source = fetch(name, spec)
        if source is None:
            missing.append(name)
            continue
        for vendor in {site / VENDOR_DIR, *(p.parent.parent / "javascripts" / "vendor" for p in site.glob("*/assets/javascripts/bundle.*.min.js"))}:
            vendor.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, vendor / local_name(name, spec))
    for bundle in site.rglob("assets/javascripts/bundle.*.min.js"):
        text = bundle.read_text(encoding="utf-8")
        new = text
        for name, spec in assets().items():
            expression = (
                f'new URL("vendor/{local_name(name, spec)}",'
                'document.querySelector(\'script[src*="assets/javascripts/bundle."]\').src).href'
            )
            new = new.replace(f'"{spec["replaces"]}"', expression)
        if new != text:
            bundle.write_text(new, encoding="utf-8")
    if missing:
        log.info(
            "npm is not installed: %s not added to the site, so Mermaid diagrams show as text. "
            "Install Node.js (npm) to render them.", ", ".join(missing)
        )
