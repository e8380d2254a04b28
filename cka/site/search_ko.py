"""Search that finds what a learner types, in Korean and in English.

Material's search (lunr in a web worker) splits text at whitespace and punctuation and
matches every query word as the start of an indexed word. Korean pages write API kinds
as one word (퍼시스턴트볼륨클레임), so `볼륨클레임` or `폴리시` found nothing; the i18n
plugin merges both languages into one index, so results mixed the languages; and a
camelCase name (runAsNonRoot) was searched as run, as, non and root. This hook changes
neither the pages as a reader sees them nor what a search result shows:

- At build time (on_post_build, after the i18n plugin has written the merged index and
  the offline plugin its search_index.js copy), every entry of search/search_index.json
  gets two more fields, `title_parts` and `text_parts`, which lunr indexes but no
  result displays. They hold what the entry's title and text contain but lunr cannot
  reach from the start of a word:
    * the inner parts of a compound: 퍼시스턴트볼륨클레임을 adds 볼륨클레임 and 클레임
      (the compounds and their parts are the glossary's, below);
    * words joined by punctuation that lunr does not split at: 사용자·권한 adds 권한;
    * Hangul or Latin after the other script: API그룹 adds 그룹;
    * camelCase names whole: volumeBindingMode adds volumebindingmode;
    * hyphenated names joined: port-forward adds portforward, kube-controller-manager
      adds kubecontrollermanager and controllermanager (lunr splits at hyphens);
    * in Korean text, the `synonyms` of data/glossary.yaml's terms, as often as the
      term is written (up to 3 times): 스태틱 파드 adds 정적 and 정적파드;
  and the page-level entry's text_parts also holds the page's front matter
  `description`, the sentence written for search results.
  A word with a particle (볼륨을) needs nothing: lunr already finds it from 볼륨.
  The index is then written once per language, search/search_index.<lang>.json (and
  .js for the offline site), instead of the one merged index.
- On every page, a small script (search_ko.js) sits before Material's bundle. It makes
  the page fetch its own language's index (and start the search worker) only when the
  reader first reaches for search, and writes a query the way the index is written: a
  particle comes off a Korean word (퍼시스턴트볼륨클레임을 searches 퍼시스턴트볼륨클레임),
  a camelCase name is searched whole (volumebindingmode), a hyphenated one joined
  (portforward), and English words such as "a" and "the" are dropped from a query that
  has others. It orders the results by how many of the query's words each page has,
  rarer words weighing more.

SEARCH_SEGMENTATION=off builds the stock index and pages (python -m cka.bench search uses
it to measure the difference).
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import logging
import os
import pathlib
import re
import time
from dataclasses import dataclass

from mkdocs.plugins import event_priority

from ..paths import GLOSSARY_FILE

log = logging.getLogger("mkdocs.hooks.search_ko")

# Compound words as the pages write them, split where the English name splits
# (PersistentVolumeClaim: Persistent|Volume|Claim). The glossary in CONTRIBUTING.md
# names most of them; tests/search/test_segmentation.py fails when a glossary kind of
# two or more English words is not split here. The parts also split compounds that
# are not listed (볼륨스냅샷클래스 = 볼륨|스냅샷|클래스).
COMPOUNDS = (
    "퍼시스턴트|볼륨", "퍼시스턴트|볼륨|클레임", "스토리지|클래스", "볼륨|스냅샷", "볼륨|스냅샷|클래스",
    "네트워크|폴리시", "서비스|어카운트", "롤|바인딩", "클러스터|롤", "클러스터|롤|바인딩",
    "데몬|셋", "스테이트풀|셋", "레플리카|셋", "레플리케이션|컨트롤러",
    "컨피그|맵", "커스텀|리소스|데피니션", "엔드포인트|슬라이스", "인그레스|클래스", "인그레스|컨트롤러",
    "파드|디스럽션|버짓", "파드|시큐리티|폴리시", "리소스|쿼터", "리밋|레인지", "프라이어리티|클래스",
    "런타임|클래스", "노드|포트", "로드|밸런서", "크론|잡", "호리존탈|파드|오토스케일러",
    "게이트웨이|클래스",
)
PARTS = frozenset(part for compound in COMPOUNDS for part in compound.split("|"))
LONGEST_PART = max(map(len, PARTS))

# Particles and copulas that follow a noun. The query script takes one off the end of
# a word whose stem keeps two syllables or ends in Latin (인가 stays 인가).
PARTICLES = (
    "에서는", "에서도", "으로는", "으로도", "에게서", "이라는", "이라고", "들에서", "들에게",
    "에서", "으로", "에게", "한테", "까지", "부터", "처럼", "보다", "마다", "이나", "이랑", "이란", "이다",
    "이고", "이며", "에는", "에도", "와는", "과는", "라는", "라고", "들을", "들이", "들은", "들의", "들도",
    "을", "를", "이", "가", "은", "는", "의", "에", "로", "와", "과", "도", "만", "나", "란", "들",
)
PARTICLE = re.compile("(?:" + "|".join(sorted(PARTICLES, key=len, reverse=True)) + ")$")

HANGUL = re.compile(r"[가-힣]")
RUNS = re.compile(r"[가-힣]+|[A-Za-z0-9]+")  # a word's runs of Hangul and of Latin letters/digits
PIECES = re.compile(r"[^0-9A-Za-z가-힣]+")  # what joins words that lunr keeps together (·, ?, …, quotes)
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]*")
# A name written with hyphens (port-forward, --dry-run, kube-controller-manager): lunr splits
# it at each hyphen, so the index also holds it joined (portforward), and each of its
# tails of two or more parts (controllermanager); the query script joins it the same way.
HYPHENATED = re.compile(r"(?<![A-Za-z0-9-])-*([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)")
CAMEL = re.compile(r"[a-z0-9][A-Z]|[A-Z]{2}[a-z]")
TAG = re.compile(r"<[^>]*>")

SCRIPT = pathlib.Path(__file__).with_suffix(".js")
GLOSSARY = GLOSSARY_FILE
SYNONYMS_PER_FIELD = 3  # a synonym counts as often as its term, up to this many times in one field
FIELDS = {"title_parts": {"boost": 1e3}, "text_parts": {"boost": 1.0}}  # as Material's title and text
BUNDLE = re.compile(r'<script src="[^"]*assets/javascripts/bundle\.[0-9a-f]+\.min\.js"></script>')


@dataclass(frozen=True)
class Word:
    """A word split for search: its parts (one unless a compound) and what follows them.

    `rest` is the particle (볼륨을: 을), or for a compound whatever follows its parts
    (스토리지클래스이름: 이름), which the index does not split further.
    """

    parts: tuple[str, ...]
    rest: str = ""


def strip_particle(word: str) -> tuple[str, str]:
    """(stem, particle): 볼륨을 -> (볼륨, 을); kubectl을 -> (kubectl, 을); 인가 -> (인가, '')."""
    match = PARTICLE.search(word)
    if match and match.start() > 0:
        stem = word[: match.start()]
        if len(HANGUL.findall(stem)) >= 2 or not HANGUL.match(stem[-1]):
            return stem, match.group()
    return word, ""


def compound_parts(word: str) -> tuple[str, ...] | None:
    """The parts of a compound made of two or more PARTS from the word's start, else None.

    The longest such run of parts wins; what follows it is not a part.
    """
    best: tuple[str, ...] | None = None

    def walk(at: int, parts: tuple[str, ...]) -> None:
        nonlocal best
        if len(parts) >= 2 and (best is None or at > sum(map(len, best))):
            best = parts
        for end in range(min(len(word), at + LONGEST_PART), at, -1):
            if word[at:end] in PARTS:
                walk(end, parts + (word[at:end],))

    walk(0, ())
    return best


def segment(word: str) -> Word:
    """Split one word (no spaces) into its parts and what follows them.

    퍼시스턴트볼륨클레임을 -> (퍼시스턴트, 볼륨, 클레임) + 을; 볼륨을 -> (볼륨,) + 을;
    kubectl을 -> (kubectl,) + 을; 스토리지클래스 -> (스토리지, 클래스).
    """
    parts = compound_parts(word)
    if parts:
        return Word(parts, word[len("".join(parts)):])
    stem, particle = strip_particle(word)
    return Word((stem,), particle)


def hidden_words(text: str, separator: re.Pattern[str]) -> list[str]:
    """The words of an index entry's text that lunr cannot find from the start of one of its words."""
    plain = html.unescape(TAG.sub(" ", text))
    found: list[str] = []
    for name in IDENTIFIER.findall(plain):
        if CAMEL.search(name):
            found.append(name.lower())  # volumeBindingMode: lunr indexes volume, binding, mode
    for name in HYPHENATED.findall(plain):
        parts = name.split("-")
        found.extend("".join(parts[i:]) for i in range(len(parts) - 1))  # kube-controller-manager: kubecontrollermanager, controllermanager
    for token in separator.split(plain):
        if not token or not HANGUL.search(token):
            continue
        for n, piece in enumerate(p for p in PIECES.split(token) if p):
            if n:
                found.append(piece)  # 사용자·권한: 권한
            runs = RUNS.findall(piece)
            for m, run in enumerate(runs):
                if m and not PARTICLE.fullmatch(run):
                    found.append(run)  # API그룹: 그룹; 클러스터IP: IP
                if HANGUL.match(run):
                    parts = segment(run).parts
                    found.extend("".join(parts[i:]) for i in range(1, len(parts)))  # 볼륨클레임, 클레임
    return [w.lower() for w in found]


@dataclass(frozen=True)
class Synonym:
    """A glossary term as pages write it, and the words a learner may type for it instead.

    `words` is what the index adds each time a page writes the term: the synonym's
    words that the term does not have (스태틱 파드 / 정적 파드: 정적), and a synonym of
    two or more words also written as one (정적파드).
    """

    term: str
    words: tuple[str, ...]


def load_synonyms(path: pathlib.Path = GLOSSARY) -> list[Synonym]:
    """The `synonyms` of data/glossary.yaml's terms (none when the file is missing)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return []
    found = []
    for entry in data.get("terms") or []:
        term = " ".join(str(entry.get("preferred") or "").lower().split())
        own = set(term.split())
        for synonym in entry.get("synonyms") or []:
            words = str(synonym).lower().split()
            added = [w for w in words if w not in own] + (["".join(words)] if len(words) > 1 else [])
            if term and added:
                found.append(Synonym(term, tuple(added)))
    return found


def continues_word(rest: str) -> bool:
    """Whether what follows a term in a word leaves the term whole: nothing, a particle, or another part."""
    return not rest or bool(PARTICLE.fullmatch(rest)) or any(rest[:n] in PARTS for n in range(2, LONGEST_PART + 1))


def synonym_words(text: str, separator: re.Pattern[str], synonyms: list[Synonym], hidden: list[str] | None = None) -> list[str]:
    """The synonyms of the glossary terms that an index entry's text writes, once per time it writes them (capped).

    `hidden` is hidden_words(text), when the caller has it already.
    """
    if not synonyms or not HANGUL.search(text):
        return []  # the glossary is Korean: its synonyms go to Korean text only
    plain = html.unescape(TAG.sub(" ", text)).lower()
    tokens: list[str] | None = None
    found: list[str] = []
    for synonym in synonyms:
        if synonym.term.split()[0] not in plain:
            continue
        if " " in synonym.term:
            # A phrase is specific enough to count whatever ends its last word (다시 시작한다).
            pattern = r"(?<![0-9a-z가-힣])" + r"\s+".join(map(re.escape, synonym.term.split()))
            count = len(re.findall(pattern, plain))
        else:
            if tokens is None:
                tokens = [t for t in separator.split(plain) if t] + (hidden if hidden is not None else hidden_words(text, separator))
            count = sum(1 for t in tokens if t.startswith(synonym.term) and continues_word(t[len(synonym.term):]))
        for _ in range(min(count, SYNONYMS_PER_FIELD)):
            found.extend(synonym.words)
    return found


def add_parts(index: dict, descriptions: dict[str, str] | None = None, synonyms: list[Synonym] | None = None) -> int:
    """Add title_parts and text_parts to every entry of a Material search index; returns how many got some.

    `descriptions` maps a page's location to its front matter description, which the
    page-level entry's text_parts also holds (the page does not show it). `synonyms`
    (data/glossary.yaml's) are added wherever their term is written.
    """
    separator = re.compile(index["config"]["separator"])
    descriptions = descriptions or {}
    changed = 0
    memo = WordCache.open(index["config"]["separator"], synonyms or [])
    for doc in index["docs"]:
        for field, source in (("title_parts", "title"), ("text_parts", "text")):
            text = doc.get(source) or ""
            words = memo.get(text)
            if words is None:
                words = hidden_words(text, separator)
                words += synonym_words(text, separator, synonyms or [], words)
                memo.put(text, words)
            description = descriptions.get(doc["location"]) if field == "text_parts" else None
            if description:
                words = [html.escape(description), *words, *hidden_words(description, separator),
                         *synonym_words(description, separator, synonyms or [])]
            if words:
                doc[field] = " ".join(words)
                changed += 1
    index["config"]["fields"].update(FIELDS)
    memo.save()
    return changed


def latest_entries(docs: list[dict]) -> list[dict]:
    """One entry per location, the latest. A `make serve --dirty` rebuild merges the new entries into the
    index the last build wrote, so without this every rebuild would double the index (and its time)."""
    latest = {doc.get("location"): doc for doc in docs}
    return list(latest.values())


class WordCache:
    """The hidden words of each indexed text, kept between builds in the per-user cache: most texts are
    the same on every build (and on every `make serve` rebuild). Keyed by this module's code, the
    separator and the glossary's synonyms, so a change to any of them starts afresh."""

    def __init__(self, path: pathlib.Path | None, data: dict[str, list[str]]):
        self.path, self.data, self.used, self.dirty = path, data, {}, False

    @classmethod
    def open(cls, separator: str, synonyms: list) -> "WordCache":
        if os.environ.get("SEARCH_WORD_CACHE") == "off":
            return cls(None, {})
        from ..cache import cache_dir  # noqa: PLC0415

        key = hashlib.sha256(pathlib.Path(__file__).read_bytes() + separator.encode()
                             + repr(synonyms).encode()).hexdigest()[:16]
        path = cache_dir() / "search-words" / f"{key}.json"
        try:
            return cls(path, json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return cls(path, {})

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode()).hexdigest()

    def get(self, text: str) -> list[str] | None:
        key = self._key(text)
        words = self.data.get(key)
        if words is not None:
            self.used[key] = words
        return list(words) if words is not None else None

    def put(self, text: str, words: list[str]) -> None:
        self.used[self._key(text)] = list(words)
        self.dirty = True

    def save(self) -> None:
        """Keep exactly the texts of this build (the cache never grows past one site's index)."""
        if self.path is None or (not self.dirty and len(self.used) == len(self.data)):
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for stale in self.path.parent.glob("*.json"):
                if stale != self.path:
                    stale.unlink(missing_ok=True)
            tmp = self.path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps(self.used, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.path)


def enabled() -> bool:
    return os.environ.get("SEARCH_SEGMENTATION", "on").lower() not in ("off", "0", "false", "no")


def language_prefixes(config) -> dict[str, str]:
    """{language: the prefix of its pages' locations in the index}; the default language has ''."""
    i18n = config.plugins.get("i18n")
    if i18n is None:
        return {}
    return {lang.locale: "" if lang.default else f"{lang.locale}/" for lang in i18n.config.languages if lang.build}


def page_script(config) -> str:
    languages = language_prefixes(config)
    settings = {"languages": languages, "indexes": {lang: index_name(lang) for lang in languages}, "particles": list(PARTICLES)}
    code = SCRIPT.read_text(encoding="utf-8").replace("__SETTINGS__", json.dumps(settings, ensure_ascii=False))
    return f'<script id="search-ko">{code.strip()}</script>'


DESCRIPTIONS: dict[str, str] = {}  # page location in the index -> description, collected while pages render


def inner_build(config) -> bool:
    """True while the i18n plugin builds another language inside the main build."""
    i18n = config.plugins.get("i18n")
    return i18n is not None and getattr(i18n, "building", False)


def on_config(config):
    if not inner_build(config):
        DESCRIPTIONS.clear()


def on_post_page(output, page, config):
    if not enabled() or config.plugins.get("material/search") is None:
        return output
    description = page.meta.get("description")
    if isinstance(description, str) and description.strip():
        DESCRIPTIONS[page.url] = description.strip()
    return with_script(output, page.file.src_uri, config)


def on_post_template(output_content, template_name, config):
    if not enabled() or template_name != "404.html" or config.plugins.get("material/search") is None:
        return output_content
    return with_script(output_content, template_name, config)


def with_script(output: str, name: str, config) -> str:
    """The page with the search script before Material's bundle."""
    if not BUNDLE.search(output):
        log.warning(f"{name}: Material's bundle script was not found; search stays in both languages")
        return output
    script = page_script(config)
    return BUNDLE.sub(lambda match: script + match.group(), output, count=1)


def split_by_language(index: dict, prefixes: dict[str, str]) -> dict[str, dict]:
    """{language: the index of its pages only}, by the prefix of their locations ('' for the default language)."""
    others = [prefix for prefix in prefixes.values() if prefix]
    split = {}
    for lang, prefix in prefixes.items():
        if prefix:
            docs = [d for d in index["docs"] if d["location"].startswith(prefix)]
        else:
            docs = [d for d in index["docs"] if not any(d["location"].startswith(p) for p in others)]
        split[lang] = {**index, "docs": docs}
    return split


def index_name(lang: str) -> str:
    """The file name (without .json or .js) of a language's index in search/."""
    return f"search_index.{lang}"


@event_priority(-100)  # after the search, i18n and offline plugins have written the index
def on_post_build(config):
    if not enabled():
        return
    if inner_build(config):
        return  # the i18n plugin writes the merged index after its inner builds
    folder = pathlib.Path(config.site_dir) / "search"
    path = folder / "search_index.json"
    if not path.exists():
        return
    started, cpu = time.monotonic(), time.process_time()
    before = path.stat().st_size
    index = json.loads(path.read_text(encoding="utf-8"))
    index["docs"] = latest_entries(index["docs"])
    # Under `make serve --dirty`, Material's search keeps the last build's index to merge the next
    # build's page into, and the i18n plugin keeps every build's entries: with both, the index
    # doubled on every rebuild. Keep the latest entry per location in each.
    previous = getattr(config.plugins.get("material/search"), "search_index_prev", None)
    for entries in (getattr(config.plugins.get("i18n"), "search_entries", None),
                    getattr(previous, "_entries", None), getattr(previous, "entries", None)):
        if isinstance(entries, list):
            entries[:] = latest_entries(entries)
    changed = add_parts(index, DESCRIPTIONS, load_synonyms())
    offline = config.plugins.get("material/offline")
    offline = offline is not None and offline.config.enabled
    prefixes = language_prefixes(config)
    # One index per language, which a page of that language fetches (search_ko.js) when its
    # reader first reaches for search; without languages, the one index as Material names it.
    files = {index_name(lang): part for lang, part in split_by_language(index, prefixes).items()} or {"search_index": index}
    if prefixes:
        for stale in (path, folder / "search_index.js"):
            stale.unlink(missing_ok=True)
    sizes = []
    for name, part in files.items():
        data = json.dumps(part, ensure_ascii=False, separators=(",", ":"))
        (folder / f"{name}.json").write_text(data, encoding="utf-8")
        if offline:
            (folder / f"{name}.js").write_text(f"var __index = {data}", encoding="utf-8")
        sizes.append(f"{name}.json {len(data.encode()) / 1e6:.2f} MB ({len(part['docs'])} entries)")
    log.info(
        f"search: split words in {changed} fields of {len(index['docs'])} entries in "
        f"{time.monotonic() - started:.2f} s ({time.process_time() - cpu:.2f} s CPU); "
        f"index {before / 1e6:.2f} MB -> {', '.join(sizes)}"
    )
