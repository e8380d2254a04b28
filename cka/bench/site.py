"""Measure what a reader downloads and waits for, and what Lighthouse thinks of it.

  make bench-site (python -m cka.bench site) all figures, with Lighthouse
  python -m cka.bench site --no-lighthouse         bytes, requests and timings only

For the home page and three content pages in both languages, on the built online site
(site/, built first when missing) served on 127.0.0.1 with gzip, as a static host does:

- bytes transferred (compressed, headers included) and requests, on a cold cache, when
  the page has loaded (the first view) and again after reading it to the end (diagram
  images after a page's first load when the reader gets near them); the search index of
  the page's language is fetched only when the reader reaches for search, so neither
  figure holds it (a page that fetched it anyway is a missed budget);
- what searching costs on that page: the bytes fetched from a click in the search box
  to the first answer (the page language's index, the search worker's scripts), and the
  time from the click to the first results, the median of three cold loads;
- time to DOMContentLoaded and first contentful paint in Chromium on localhost,
  unthrottled, the median of three cold loads;
- each language's search index size, raw and gzipped;
- Lighthouse scores (performance, accessibility, best practices, SEO), the median of three
  runs (`--lighthouse-runs`), with Lighthouse's
  default mobile profile (simulated slow 4G, 4x slower CPU), or `--desktop`.

Budgets: a content page transfers under 150 KB on load without the search index, and
Lighthouse's accessibility and performance scores are 95 or more. A missed budget is
printed and makes the exit status 1. Figures land in build/reports/bench-site.json,
Lighthouse's own reports in build/reports/lighthouse/. This is a benchmark, not a test:
`make test` does not run it. It needs what `python -m cka.site.browser setup` installs.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import mimetypes
import os
import pathlib
import re
import statistics
import subprocess
import sys
import threading
import time

from ..paths import ROOT
from ..site import browser as browser_tests

SITE = ROOT / "site"
REPORTS = ROOT / "build" / "reports"
LANGUAGES = ("ko", "en")
# The home page, then the first three of these that exist in both languages.
CONTENT = (
    "exam/guide", "storage/persistent-volumes", "cluster-architecture/rbac",
    "cluster-architecture/node-maintenance", "services-networking/network-policies",
)
BUDGET_KB = 150
BUDGET_SCORE = 95
COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map")
SEARCH_INDEX = re.compile(r"/search/search_index(\.[a-z]+)?\.json$")
SEARCH_QUERY = "kubectl"  # a word of every page, in both languages
DIAGRAMS = "/assets/diagrams/"
MERMAID = "/vendor/mermaid-"  # only when a diagram was not drawn at build time
RUNS = 3


# --------------------------------------------------------------------------- the server


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, gzipped (level 6) for text types when the client accepts it."""

    cache: dict[pathlib.Path, bytes] = {}

    def log_message(self, *args) -> None:
        pass

    def send_head(self):
        path = pathlib.Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # the redirect to the folder with a slash
            path = path / "index.html"
        if not path.is_file() or path.suffix not in COMPRESSIBLE or "gzip" not in self.headers.get("Accept-Encoding", ""):
            return super().send_head()
        body = self.cache.get(path)
        if body is None:
            body = self.cache[path] = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", mimetypes.guess_type(path.name)[0] or "application/octet-stream")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        import io

        return io.BytesIO(body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def serve(site: pathlib.Path) -> tuple[Server, str]:
    httpd = Server(("127.0.0.1", 0), functools.partial(GzipHandler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_port}/"


# --------------------------------------------------------------------------- pages


def pages(site: pathlib.Path, only: list[str] | None = None) -> list[tuple[str, str, str]]:
    """(name, language, path) of the pages measured: `only` (page stems), else the default set."""
    chosen = only or ["index"] + [s for s in CONTENT if all((site / p / s / "index.html").exists() for p in ("", "en"))][:3]
    missing = [s for s in chosen if s != "index" and not (site / s / "index.html").exists()]
    if missing:
        raise SystemExit(f"error: no built page for {', '.join(missing)} in {site} (a page is docs/<stem>.ko.md)")
    result = []
    for stem in chosen:
        for lang in LANGUAGES:
            prefix = "" if lang == LANGUAGES[0] else f"{lang}/"
            result.append((stem, lang, prefix + ("" if stem == "index" else f"{stem}/")))
    return result


def index_sizes(site: pathlib.Path) -> dict[str, dict[str, int]]:
    """{index file name: raw and gzipped bytes} of each search index: one per language, or Material's one."""
    files = sorted((site / "search").glob("search_index*.json"))
    return {f.name: {"raw_bytes": f.stat().st_size,
                     "gzip_bytes": len(gzip.compress(f.read_bytes(), compresslevel=6, mtime=0))} for f in files}


def measure(browser, url: str) -> dict:
    """One cold load: what was transferred, and when the page was ready and painted."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    transfers: list[tuple[str, int]] = []

    def finished(request) -> None:
        try:
            sizes = request.sizes()
        except Exception:
            return
        transfers.append((request.url, sizes["responseBodySize"] + sizes["responseHeadersSize"]))

    page.on("requestfinished", finished)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    timing = page.evaluate("""() => {
        const nav = performance.getEntriesByType("navigation")[0];
        const fcp = performance.getEntriesByName("first-contentful-paint")[0];
        return { dcl: nav.domContentLoadedEventEnd, fcp: fcp ? fcp.startTime : null };
    }""")
    on_load = list(transfers)
    for _ in range(100):  # read to the end, a screen at a time
        if page.evaluate("() => { scrollBy(0, innerHeight); return innerHeight + scrollY >= document.body.scrollHeight - 2; }"):
            break
        page.wait_for_timeout(30)
    page.wait_for_timeout(300)
    page.wait_for_load_state("networkidle")
    read = list(transfers)
    search = search_once(page, transfers)
    context.close()

    def without_index(items) -> int:
        return sum(size for u, size in items if not SEARCH_INDEX.search(u))

    return {
        "requests": len(on_load),
        "bytes": sum(size for _, size in on_load),
        "bytes_without_index": without_index(on_load),
        "bytes_read_without_index": without_index(read),
        "index_before_search": [u for u, _ in read if SEARCH_INDEX.search(u)],
        "search_bytes": sum(size for _, size in transfers[len(read):]),
        "search_index_bytes": sum(size for u, size in transfers[len(read):] if SEARCH_INDEX.search(u)),
        "search_ms": search,
        "diagram_bytes": sum(size for u, size in transfers if DIAGRAMS in u),
        "mermaid_bytes": sum(size for u, size in transfers if MERMAID in u),
        "mermaid_on_load": any(MERMAID in u for u, _ in on_load),
        "dcl_ms": timing["dcl"],
        "fcp_ms": timing["fcp"],
    }


def search_once(page, transfers: list) -> float | None:
    """Click the search box, type a query, and return the milliseconds until the first results show."""
    box = page.locator("input.md-search__input")
    if not box.is_visible():
        page.locator("label[for=__search]").first.click()
    started = page.evaluate("performance.now()")
    box.click()
    box.fill(SEARCH_QUERY)
    box.press("End")
    try:
        page.wait_for_function("() => document.querySelectorAll('.md-search-result__item').length > 0", timeout=30_000)
    except Exception:
        return None
    elapsed = page.evaluate("performance.now()") - started
    page.wait_for_load_state("networkidle")
    return elapsed


def lighthouse(url: str, name: str, chrome: str, desktop: bool, runs: int) -> dict[str, int] | None:
    """Lighthouse `runs` times; the scores of the run with the median performance score
    (Lighthouse's own advice for noisy machines), and every run's performance score."""
    results = []
    for run in range(1, runs + 1):
        scores = lighthouse_once(url, f"{name}-run{run}", chrome, desktop)
        if scores is None:
            return None
        results.append((scores["performance"], run, scores))
    results.sort(key=lambda r: r[0])
    _, run, median = results[len(results) // 2]
    (REPORTS / "lighthouse" / f"{name}-run{run}.json").replace(REPORTS / "lighthouse" / f"{name}.json")
    for _, other, _ in results:
        (REPORTS / "lighthouse" / f"{name}-run{other}.json").unlink(missing_ok=True)
    median["performance_runs"] = [r[0] for r in sorted(results, key=lambda r: r[1])]  # type: ignore[assignment]
    return median


def lighthouse_once(url: str, name: str, chrome: str, desktop: bool) -> dict[str, int] | None:
    binary = ROOT / "node_modules" / ".bin" / "lighthouse"
    out = REPORTS / "lighthouse" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    flags = " ".join(browser_tests.CHROMIUM_FLAGS)
    command = [
        str(binary), url, "--quiet", "--output=json", f"--output-path={out}",
        "--only-categories=performance,accessibility,best-practices,seo", f"--chrome-flags={flags}",
        *(["--preset=desktop"] if desktop else []),
    ]
    for attempt in (1, 2):  # headless Lighthouse sometimes sees no paint at all (NO_FCP): once more
        result = subprocess.run(command, cwd=ROOT, env=dict(os.environ, CHROME_PATH=chrome), capture_output=True, text=True)
        if result.returncode != 0 or not out.exists():
            print(f"    lighthouse failed for {url}: {result.stderr.strip()[-300:]}", file=sys.stderr)
            return None
        report = json.loads(out.read_text(encoding="utf-8"))
        if all(cat["score"] is not None for cat in report["categories"].values()):
            break
    scores = {key: round((cat["score"] or 0) * 100) for key, cat in report["categories"].items()}
    failing = sorted(
        audit_id for audit_id, audit in report["audits"].items()
        if audit.get("score") is not None and audit["score"] < 0.9 and audit.get("scoreDisplayMode") in ("binary", "metricSavings", "numeric")
    )
    scores["failing_audits"] = failing  # type: ignore[assignment]
    return scores


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-lighthouse", action="store_true", help="skip Lighthouse (the slow part)")
    parser.add_argument("--desktop", action="store_true", help="Lighthouse's desktop profile instead of its mobile one")
    parser.add_argument("--page", action="append", metavar="STEM",
                        help="measure this page (e.g. storage/persistent-volumes) instead of the default set; repeatable")
    parser.add_argument("--lighthouse-runs", type=int, default=3, metavar="N",
                        help="Lighthouse runs per page; the median performance run counts (default: 3)")
    parser.add_argument("--site", type=pathlib.Path, default=SITE, help="the built online site (default: site/)")
    args = parser.parse_args()

    if browser_tests.setup():
        return 1
    site = args.site.resolve()
    if not (site / "index.html").exists():
        code = subprocess.call([sys.executable, str(ROOT / "scripts" / "site.py"), "build"], cwd=ROOT)
        if code:
            return code
    chrome = browser_tests.chromium_path()
    from playwright.sync_api import sync_playwright

    httpd, base = serve(site)
    indexes = index_sizes(site)
    print(f"==> benchmarking {site.relative_to(ROOT) if site.is_relative_to(ROOT) else site}/ at {base} (gzip)")
    for name, size in indexes.items():
        print(f"    search index {name}: {size['raw_bytes'] / 1024:.0f} KB raw, {size['gzip_bytes'] / 1024:.0f} KB gzipped")
    results = []
    flags = [f for f in browser_tests.CHROMIUM_FLAGS if not f.startswith("--headless")]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chrome, args=flags)
        measure(browser, base)  # warm up the server's gzip cache and Chromium
        for stem, lang, path in pages(site, args.page):
            runs = [measure(browser, base + path) for _ in range(RUNS)]
            row = {"page": stem, "lang": lang, "url": "/" + path, **runs[0]}
            row["dcl_ms"] = statistics.median(r["dcl_ms"] for r in runs)
            row["fcp_ms"] = statistics.median(r["fcp_ms"] or 0 for r in runs)
            answered = [r["search_ms"] for r in runs if r["search_ms"] is not None]
            row["search_ms"] = statistics.median(answered) if answered else None
            results.append(row)
        browser.close()
    if not args.no_lighthouse:
        print(f"==> Lighthouse {len(results)} pages, {args.lighthouse_runs} runs each (about 20 s a run)", flush=True)
        for row in results:
            name = f"{row['lang']}-{row['page'].replace('/', '-')}"
            row["lighthouse"] = lighthouse(base + row["url"].lstrip("/"), name + ("-desktop" if args.desktop else ""), chrome, args.desktop, args.lighthouse_runs)
    httpd.shutdown()

    misses = []
    header = (f"{'page':<36} {'KB':>5} {'-index':>6} {'read':>5} {'req':>4} {'DCL ms':>7} {'FCP ms':>7}"
              f" {'srch KB':>7} {'srch ms':>7}")
    if not args.no_lighthouse:
        header += f" {'perf':>5} {'a11y':>5} {'bp':>4} {'seo':>4}"
    print("\n" + header)
    for row in results:
        line = (
            f"{row['url']:<36} {row['bytes'] / 1024:5.0f} {row['bytes_without_index'] / 1024:6.0f} "
            f"{row['bytes_read_without_index'] / 1024:5.0f} {row['requests']:4d} {row['dcl_ms']:7.0f} {row['fcp_ms']:7.0f}"
            f" {row['search_bytes'] / 1024:7.0f} {row['search_ms'] if row['search_ms'] is None else round(row['search_ms']):>7}"
        )
        lh = row.get("lighthouse")
        if lh:
            line += f" {lh['performance']:5d} {lh['accessibility']:5d} {lh['best-practices']:4d} {lh['seo']:4d}"
            for key in ("performance", "accessibility"):
                if lh[key] < BUDGET_SCORE:
                    misses.append(f"{row['url']}: Lighthouse {key} {lh[key]} < {BUDGET_SCORE} (failing: {', '.join(lh['failing_audits'])})")
        elif not args.no_lighthouse:
            misses.append(f"{row['url']}: Lighthouse did not run")
        print(line)
        if row["index_before_search"]:
            misses.append(f"{row['url']}: fetched the search index before the reader reached for search")
        if row["search_ms"] is None:
            misses.append(f"{row['url']}: searching {SEARCH_QUERY!r} showed no results")
        if row["page"] != "index" and row["bytes_without_index"] / 1024 >= BUDGET_KB:
            misses.append(
                f"{row['url']}: {row['bytes_without_index'] / 1024:.0f} KB transferred without the search index "
                f"on load{' (with Mermaid)' if row['mermaid_on_load'] else ''} >= {BUDGET_KB} KB"
            )
    print("    KB: transferred on load, the first view (gzip, cold cache); -index: the same without any search index;\n"
          "    read: after scrolling to the end (all diagram images loaded); req: requests on load;\n"
          f"    srch KB/ms: fetched from a click in the search box to the first results for {SEARCH_QUERY!r}, and the\n"
          "    time it took (median); DCL/FCP: median of 3 cold loads on localhost, unthrottled, 1280x900"
          + ("" if args.no_lighthouse else f"; Lighthouse {'desktop' if args.desktop else 'mobile'} profile"))
    REPORTS.mkdir(parents=True, exist_ok=True)
    report = {"search_index": indexes, "pages": results, "misses": misses,
              "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    (REPORTS / "bench-site.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"==> figures in {(REPORTS / 'bench-site.json').relative_to(ROOT)}")
    if misses:
        print("budgets missed:\n  " + "\n  ".join(misses))
        return 1
    print("all budgets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
