"""Search as a learner uses it, in Chromium: the query set of tests/search/queries.yaml, online and offline.

Each query is typed into the search box of the home page of its language; it counts when
its page, in that language, is among the first five pages of the results (recall@5). Each language
needs 0.95 or more, online (site/, over HTTP) and offline (site-offline/, from file://),
and every result must be a page of the language searched. The figures are printed and
written to build/reports/search-recall-<where>-<lang>.json. python -m cka.bench search measures
the same queries on the index alone, and compares with the stock search.
"""

from __future__ import annotations

import json
import urllib.parse

import pytest
import sample
import yaml
from actions import follow
from conftest import ROOT, page_url, same_page

QUERIES = yaml.safe_load((ROOT / "tests" / "search" / "queries.yaml").read_text(encoding="utf-8"))
RECALL_AT_5 = 0.95
REPORTS = ROOT / "build" / "reports"
WAIT_MS = 20_000  # the worker builds its index once per page: about a second on two cores
RESULT_LINKS = ".md-search-result__item > a.md-search-result__link"


def translations(page) -> dict[str, str]:
    return json.loads(page.locator("#__config").text_content() or "{}").get("translations", {})


def ask(page, query: str) -> list[str]:
    """Clear the search box, type a query, and return the result links (absolute URLs), best first.

    Clearing first shows the placeholder, so the wait that follows sees this query's
    answer and not the previous one's.
    """
    words = translations(page)
    placeholder = words.get("search.result.placeholder", "Type to start searching")
    none = words.get("search.result.none", "No matching documents")
    box = page.locator("input.md-search__input")
    if not box.is_visible():
        page.locator("label[for=__search]").first.click()
    box.click()
    for text, done in (("", "meta === placeholder"), (query, "meta === none || /\\d/.test(meta)")):
        box.fill(text)
        box.press("End")  # the keyup that Material listens to
        page.wait_for_function(
            f"""([placeholder, none]) => {{
                const element = document.querySelector(".md-search-result__meta");
                const meta = element ? element.textContent.trim() : "";
                return {done};
            }}""",
            arg=[placeholder, none],
            timeout=WAIT_MS,
        )
    return page.locator(RESULT_LINKS).evaluate_all("links => links.map(a => a.href)")


def pages_of(links: list[str]) -> list[str]:
    """The pages of the result links, in order, each once (a page's sections follow its own link)."""
    pages: list[str] = []
    for link in links:
        page = urllib.parse.urlsplit(link)._replace(query="", fragment="").geturl()
        if page not in pages:
            pages.append(page)
    return pages


def in_language(url: str, base: str, lang: str) -> bool:
    en_root = base + f"{sample.LANGUAGES[1]}/"
    under_other = url.startswith(en_root)
    return under_other if lang == sample.LANGUAGES[1] else not under_other


def measure(open_page, base: str, lang: str, offline: bool) -> dict:
    page = open_page(page_url(base, "index", lang, offline), offline=offline)
    hits, misses, foreign = 0, [], []
    for entry in QUERIES[lang]:
        links = ask(page, entry["q"])
        results = pages_of(links)
        expected = page_url(base, entry["page"], lang, offline)
        position = next((n for n, url in enumerate(results) if same_page(url, expected)), None)
        if position is not None and position < 5:
            hits += 1
        else:
            first = [urllib.parse.unquote(u[len(base):]).split("?")[0] for u in results[:3]]
            misses.append(f"{entry['q']!r} -> {entry['page']}: {'result ' + str(position + 1) if position is not None else 'not found'}"
                          f" (first: {', '.join(first) or 'nothing'})")
        foreign += [f"{entry['q']!r}: {url}" for url in links if not in_language(url, base, lang)]
    return {"recall@5": hits / len(QUERIES[lang]), "hits": hits, "queries": len(QUERIES[lang]),
            "misses": misses, "results in another language": foreign}


@pytest.mark.parametrize("where", ["online", "offline"])
@pytest.mark.parametrize("lang", sample.LANGUAGES)
def test_search_finds_the_page_in_the_first_five(open_page, server, offline_base, capsys, where, lang):
    offline = where == "offline"
    result = measure(open_page, offline_base if offline else server, lang, offline)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"search-recall-{where}-{lang}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    with capsys.disabled():
        print(f"\nsearch recall@5, {where}, {lang}: {result['recall@5']:.3f} ({result['hits']}/{result['queries']})"
              + "".join(f"\n    missed {m}" for m in result["misses"]), flush=True)
    assert not result["results in another language"], (
        f"searching the {lang} site gave pages of another language:\n" + "\n".join(result["results in another language"][:10])
    )
    assert result["recall@5"] >= RECALL_AT_5, (
        f"recall@5 {result['recall@5']:.3f} < {RECALL_AT_5} ({where}, {lang}); missed:\n" + "\n".join(result["misses"])
    )


@pytest.mark.parametrize("where", ["online", "offline"])
def test_a_word_inside_a_compound_is_found_and_marked_on_the_page(open_page, server, offline_base, where):
    """클레임 finds the page that writes 퍼시스턴트볼륨클레임, and the page marks it (search.highlight)."""
    offline = where == "offline"
    base = offline_base if offline else server
    page = open_page(page_url(base, "index", "ko", offline), offline=offline)
    expected = page_url(base, "storage/persistent-volumes", "ko", offline)
    links = ask(page, "클레임")
    position = next((n for n, url in enumerate(links) if same_page(url, expected)), None)
    assert position is not None, f"클레임 did not find {expected}; results: {links[:5]}"
    follow(page, page.locator(RESULT_LINKS).nth(position))
    assert "h=" in page.url, f"the result link carries no highlight terms: {page.url}"
    marks = page.locator("article mark[data-md-highlight]")
    marks.first.wait_for(timeout=WAIT_MS)
    assert "클레임" in marks.first.text_content()


def test_results_show_the_page_text_and_none_of_the_added_words(open_page, server):
    """A page's description is searched (runAsNonRoot finds Security contexts by it) but never shown."""
    page = open_page(page_url(server, "index", "en"))
    expected = page_url(server, "workloads-scheduling/security-contexts", "en")
    assert any(same_page(url, expected) for url in pages_of(ask(page, "runAsNonRoot"))[:5])
    shown = " ".join(page.locator(".md-search-result__article").all_inner_texts())
    assert "switched on by namespace labels" not in shown, "a result shows the page's description"


def test_results_mark_the_words_found(open_page, server):
    page = open_page(page_url(server, "index", "ko"))
    expected = page_url(server, "storage/storage-classes", "ko")
    assert same_page(pages_of(ask(page, "스토리지클래스"))[0], expected)
    marks = page.locator(".md-search-result__article mark").all_inner_texts()
    assert any("스토리지클래스" in mark for mark in marks), f"the results mark {marks[:5]}"
