"""Measure the site search on the index: recall@5, build time and index size, with and without cka/site/search_ko.py.

  bench_search.py                 recall@5 of tests/search/queries.yaml on site/ as built
  bench_search.py --compare       build the online site with SEARCH_SEGMENTATION=off and on
                                  (--runs N times each, alternating) into build/bench-search/,
                                  and compare build time, index size and recall@5
  bench_search.py --compare --kiwi
                                  also split the stock index with kiwipiepy's Korean analyser
                                  instead of (and besides) the glossary, to compare
                                  (needs `pip install kiwipiepy`, not a project dependency)

Recall here is measured without a browser: Node.js runs Material's own search worker
(lunr and Material's query handling, from the installed theme) on the built
search_index.json, after the page's own inline scripts have handled the index and each
query as they do in the browser (the language filter and query rewriting of
cka/site/search_ko.js, the dash handling of overrides/main.html). The browser tests
(tests/browser/test_search_recall.py) measure the same queries in Chromium. A query
counts when its page, in the language of the site searched, is among the first five
results. Needs Node.js.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import pathlib
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

from ..paths import ROOT

QUERIES = ROOT / "tests" / "search" / "queries.yaml"
OUT = ROOT / "build" / "bench-search"
REPORT = ROOT / "build" / "reports" / "search-bench.json"
LANGUAGES = ("ko", "en")  # the first is the default language, at the site's root

# Runs Material's search worker in Node: argv = worker script, site folder, queries JSON
# ([{q, lang}]). Prints {lang: {docs, results: [[page location, ...] per query]}}.
HARNESS = r"""
"use strict";
const fs = require("fs"), path = require("path"), vm = require("vm");
const [workerPath, siteDir, queriesPath] = process.argv.slice(2);

function worker() {
  const ctx = { console: { warn() {}, log() {}, error: console.error }, setTimeout, clearTimeout, URL };
  ctx.self = ctx;
  ctx.importScripts = (...urls) => {
    for (const url of urls)
      vm.runInContext(fs.readFileSync(path.resolve(path.dirname(workerPath), url), "utf8"), ctx, { filename: url });
  };
  let handler = null, reply = null;
  ctx.addEventListener = (type, fn) => { handler = fn; };
  ctx.postMessage = message => { reply = message; };
  vm.createContext(ctx);
  vm.runInContext(fs.readFileSync(workerPath, "utf8"), ctx, { filename: workerPath });
  return async message => {
    reply = null;
    await handler({ data: message });
    for (let i = 0; reply === null && i < 10000; i++) await new Promise(r => setTimeout(r, 1));
    return reply;
  };
}

// The page's inline scripts that handle the messages to and from the worker, as a page of `lang` runs them.
function page(lang, home) {
  const html = fs.readFileSync(path.join(siteDir, home), "utf8");
  class FakeWorker {
    constructor() { this.listeners = []; }
    postMessage(message) { this.sent = message; }
    addEventListener(type, fn) { this.listeners.push(fn); }
    removeEventListener() {}
  }
  class FakeRequest { open() {} send() {} }
  class MessageEvent { constructor(type, init) { this.type = type; this.data = init.data; } }
  const noop = () => {};
  const document = { documentElement: { lang }, head: { appendChild: noop }, addEventListener: noop };
  const ctx = { document, location: { search: "" }, XMLHttpRequest: FakeRequest, MessageEvent, WeakMap, Worker: FakeWorker, console };
  ctx.self = ctx;
  ctx.window = ctx;
  vm.createContext(ctx);
  for (const m of html.matchAll(/<script(?: id="[^"]*")?>([\s\S]*?)<\/script>/g))
    if (m[1].includes("Worker.prototype.postMessage")) vm.runInContext(m[1], ctx);
  const w = new FakeWorker();
  let received = null;
  w.addEventListener("message", event => { received = event.data; });
  return {
    send: message => { w.postMessage(message); return w.sent; },
    receive: message => { w.listeners.forEach(fn => fn.call(w, { data: message })); return received; },
  };
}

// The index a page of `lang` searches: its language's own file, else the one index of the site.
function indexOf(lang) {
  const own = path.join(siteDir, "search", `search_index.${lang}.json`);
  return JSON.parse(fs.readFileSync(fs.existsSync(own) ? own : path.join(siteDir, "search", "search_index.json"), "utf8"));
}

(async () => {
  const queries = JSON.parse(fs.readFileSync(queriesPath, "utf8"));
  const out = {};
  for (const [lang, home] of Object.entries(JSON.parse(process.env.HOMES))) {
    const send = worker(), inPage = page(lang, home), index = indexOf(lang);
    const init = inPage.send({ type: 0, data: { config: index.config, docs: index.docs, options: { suggest: true } } });
    await send(init);
    out[lang] = { docs: init.data.docs.length, results: [] };
    for (const q of queries.filter(q => q.lang === lang)) {
      const reply = inPage.receive(await send(inPage.send({ type: 2, data: q.q })));
      out[lang].results.push(reply.data.items.map(group => group[0].location.split("#")[0]));
    }
  }
  process.stdout.write(JSON.stringify(out));
})().catch(error => { console.error(error); process.exit(1); });
"""


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def queries() -> dict[str, list[dict]]:
    return yaml.safe_load(QUERIES.read_text(encoding="utf-8"))


def material_worker() -> pathlib.Path:
    spec = importlib.util.find_spec("material")
    folder = pathlib.Path(spec.origin).parent / "templates" / "assets" / "javascripts" / "workers"
    return next(folder.glob("search.*.min.js"))


def page_of(location: str) -> str:
    """A page location, online or offline, without its ending: 'en/storage/csi/' and 'en/storage/csi.html' -> 'en/storage/csi'."""
    return re.sub(r"(index)?\.html$", "", location).rstrip("/")


def recall(site: pathlib.Path, show_misses: bool = True) -> dict[str, dict]:
    """recall@5 per language of the query set on a built site's index."""
    if not shutil.which("node"):
        raise SystemExit("error: Node.js is not installed (Debian: apt-get install nodejs); the index-level recall needs it")
    asked = [{"q": e["q"], "lang": lang, "page": e["page"]} for lang in LANGUAGES for e in queries()[lang]]
    homes = {lang: ("" if n == 0 else f"{lang}/") + "index.html" for n, lang in enumerate(LANGUAGES)}
    with tempfile.TemporaryDirectory() as tmp:
        harness, listed = pathlib.Path(tmp) / "harness.js", pathlib.Path(tmp) / "queries.json"
        harness.write_text(HARNESS, encoding="utf-8")
        listed.write_text(json.dumps(asked, ensure_ascii=False), encoding="utf-8")
        run = subprocess.run(["node", str(harness), str(material_worker()), str(site), str(listed)],
                             capture_output=True, text=True, env=dict(os.environ, HOMES=json.dumps(homes)))
    if run.returncode:
        raise SystemExit(f"error: the search harness failed:\n{run.stderr}")
    out = json.loads(run.stdout)
    figures = {}
    for n, lang in enumerate(LANGUAGES):
        mine = [q for q in asked if q["lang"] == lang]
        prefix = "" if n == 0 else f"{lang}/"
        hits, misses = 0, []
        for q, results in zip(mine, out[lang]["results"]):
            pages = [page_of(r) for r in results]
            want = page_of(prefix + ("" if q["page"] == "index" else q["page"] + "/"))
            position = pages.index(want) + 1 if want in pages else None
            if position is not None and position <= 5:
                hits += 1
            else:
                misses.append(f"{q['q']!r} -> {q['page']} at {position or 'none'} (first: {', '.join(pages[:3]) or 'nothing'})")
        figures[lang] = {"recall@5": hits / len(mine), "hits": hits, "queries": len(mine),
                         "documents searched": out[lang]["docs"], "misses": misses}
        if show_misses:
            for miss in misses:
                print(f"    miss ({lang}): {miss}")
    return figures


def build(site: pathlib.Path, segmentation: bool) -> dict:
    """One strict online build; its wall and CPU time, the hook's own time and the index size."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SEARCH_SEGMENTATION="on" if segmentation else "off")
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode:
        raise SystemExit(f"error: the build failed:\n{run.stderr[-3000:]}")
    hook = re.search(r"search: split words .* in ([\d.]+) s \(([\d.]+) s CPU\)", run.stderr)
    data = b"".join(p.read_bytes() for p in index_files(site))
    return {
        "wall": wall,
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "hook wall": float(hook.group(1)) if hook else 0.0,
        "hook cpu": float(hook.group(2)) if hook else 0.0,
        "index bytes": len(data),
        "index gzip bytes": len(gzip.compress(data, 9)),
    }


def index_files(site: pathlib.Path) -> list[pathlib.Path]:
    """The search index files of a built site: one per language (search_index.<lang>.json), or Material's one."""
    own = [site / "search" / f"search_index.{lang}.json" for lang in LANGUAGES]
    return [p for p in own if p.exists()] or [site / "search" / "search_index.json"]


def descriptions(docs: pathlib.Path) -> dict[str, str]:
    """Page location in the online index -> front matter description (what the hook collects while building)."""
    found = {}
    for path in docs.rglob("*.md"):
        match = re.match(r"---\n(.*?)\n---", path.read_text(encoding="utf-8"), re.S)
        rel = path.relative_to(docs).as_posix()
        parts = rel.rsplit(".", 2)
        if not match or len(parts) != 3 or parts[1] not in LANGUAGES:
            continue
        meta = yaml.safe_load(match.group(1)) or {}
        stem, lang = parts[0], parts[1]
        page = "" if stem == "index" else (stem[: -len("index")] if stem.endswith("/index") else stem + "/")
        if isinstance(meta.get("description"), str):
            found[("" if lang == LANGUAGES[0] else f"{lang}/") + page] = meta["description"].strip()
    return found


def kiwi_variants(stock: pathlib.Path, segmented: pathlib.Path) -> dict[str, dict]:
    """Split the stock index's words with the glossary, with kiwipiepy, with both and with neither."""
    try:
        from kiwipiepy import Kiwi
    except ImportError:
        raise SystemExit("error: --kiwi needs kiwipiepy: .venv/bin/pip install kiwipiepy (it is not a project dependency)")
    from ..site import search_ko

    glossary = search_ko.compound_parts
    analyser: list = []
    cache: dict[str, tuple | None] = {}

    def kiwi(word: str):
        """The leading nouns (or Latin) that Kiwi finds in a word, when there are two or more."""
        if word not in cache:
            if not analyser:
                analyser.append(Kiwi())
            parts, at = [], 0
            for token in analyser[0].tokenize(word):
                if token.tag not in ("NNG", "NNP", "NNB", "SL", "SH", "XR") or token.start != at:
                    break
                if word[token.start:token.start + token.len] != token.form:
                    break
                parts.append(token.form)
                at = token.start + token.len
            cache[word] = tuple(parts) if len(parts) >= 2 else None
        return cache[word]

    variants = {
        "no compound splitting": lambda word: None,
        "glossary (chosen)": glossary,
        "kiwipiepy": kiwi,
        "kiwipiepy + glossary": lambda word: glossary(word) or kiwi(word),
    }
    pages = descriptions(ROOT / "docs")
    original = (stock / "search" / "search_index.json").read_text(encoding="utf-8")
    figures = {}
    for name, splitter in variants.items():
        analyser.clear()
        cache.clear()
        search_ko.compound_parts = splitter
        index = json.loads(original)
        cpu = time.process_time()
        search_ko.add_parts(index, pages, search_ko.load_synonyms())
        cpu = time.process_time() - cpu  # with Kiwi: loading its model and analysing every word
        site = OUT / f"variant-{re.sub(r'[^a-z]+', '-', name).strip('-')}"
        shutil.rmtree(site, ignore_errors=True)
        shutil.copytree(segmented, site)
        data = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
        prefixes = {lang: "" if n == 0 else f"{lang}/" for n, lang in enumerate(LANGUAGES)}
        for lang, part in search_ko.split_by_language(index, prefixes).items():
            (site / "search" / f"{search_ko.index_name(lang)}.json").write_text(
                json.dumps(part, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        say(f"{name}: {cpu:.2f} s CPU to split the index")
        figures[name] = {"cpu": cpu, "index bytes": len(data.encode()), "recall": recall(site)}
    search_ko.compound_parts = glossary
    return figures


def compare(args: argparse.Namespace) -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    sites = {False: OUT / "stock", True: OUT / "segmented"}
    runs: dict[bool, list[dict]] = {False: [], True: []}
    for n in range(args.runs):
        for segmentation in (False, True):
            figures = build(sites[segmentation], segmentation)
            runs[segmentation].append(figures)
            say(f"build {n + 1}/{args.runs}, search hook {'on' if segmentation else 'off'}: {figures['wall']:.1f} s "
                f"({figures['cpu']:.1f} s CPU), hook {figures['hook wall']:.2f} s ({figures['hook cpu']:.2f} s CPU)")
    med = {s: {k: statistics.median(r[k] for r in runs[s]) for k in runs[s][0]} for s in runs}
    report = {"runs": args.runs, "stock": med[False], "segmented": med[True]}
    say("recall@5 on the stock index (both languages in one index, as the i18n plugin writes it)")
    report["stock"]["recall"] = recall(sites[False])
    say("recall@5 with cka/site/search_ko.py")
    report["segmented"]["recall"] = recall(sites[True])
    if args.kiwi:
        report["variants"] = kiwi_variants(sites[False], sites[True])
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare", action="store_true", help="build with the search hook off and on, and compare")
    parser.add_argument("--runs", type=int, default=3, help="builds of each kind for --compare (default 3)")
    parser.add_argument("--kiwi", action="store_true", help="with --compare: also compare with kiwipiepy")
    parser.add_argument("--site", type=pathlib.Path, default=ROOT / "site", help="the built site to measure (default site/)")
    args = parser.parse_args()

    if not args.compare:
        if not index_files(args.site)[0].exists():
            print(f"error: {args.site} holds no built site; run `make build` first", file=sys.stderr)
            return 1
        for lang, f in recall(args.site).items():
            print(f"recall@5 ({lang}): {f['recall@5']:.3f} ({f['hits']}/{f['queries']}, {f['documents searched']} documents searched)")
        return 0

    report = compare(args)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    stock, new = report["stock"], report["segmented"]
    print(f"\n==> search, median of {args.runs} builds each (report: {REPORT.relative_to(ROOT)})")
    print(f"  {'':34} {'stock':>12} {'search_ko':>12}")
    print(f"  {'build, wall':34} {stock['wall']:>10.1f} s {new['wall']:>10.1f} s")
    print(f"  {'build, CPU':34} {stock['cpu']:>10.1f} s {new['cpu']:>10.1f} s")
    print(f"  {'the hook itself, CPU':34} {'':>12} {new['hook cpu']:>10.2f} s"
          f"  ({100 * new['hook cpu'] / stock['cpu']:.1f} % of the stock build's CPU)")
    print(f"  {'search_index.json':34} {stock['index bytes'] / 1e6:>9.2f} MB {new['index bytes'] / 1e6:>9.2f} MB")
    print(f"  {'search_index.json, gzip':34} {stock['index gzip bytes'] / 1e6:>9.2f} MB {new['index gzip bytes'] / 1e6:>9.2f} MB")
    for lang in LANGUAGES:
        s, n = stock["recall"][lang], new["recall"][lang]
        print(f"  {'recall@5 (' + lang + ')':34} {s['recall@5']:>12.3f} {n['recall@5']:>12.3f}"
              f"   ({s['hits']}/{s['queries']} -> {n['hits']}/{n['queries']})")
    for name, v in report.get("variants", {}).items():
        r = v["recall"]
        print(f"  {name:34} recall@5 ko {r['ko']['recall@5']:.3f}, en {r['en']['recall@5']:.3f}; "
              f"{v['cpu']:.2f} s CPU to split; index {v['index bytes'] / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
