"""How cka/site/search_ko.py splits words for the search index (no build needed)."""

from __future__ import annotations

import pathlib
import re

import pytest
from cka.site import search_ko

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
SEPARATOR = re.compile(r'[\s\u200b\-\,\:\!\=\[\]\(\)\"\/\|]+|(?!\b)(?=[A-Z][a-z])|\.(?!\d)|&[lg]t;')  # as mkdocs.yml


@pytest.mark.parametrize(
    ("word", "parts", "rest"),
    [
        # Kinds from the glossary, alone and with particles
        ("퍼시스턴트볼륨클레임", ("퍼시스턴트", "볼륨", "클레임"), ""),
        ("퍼시스턴트볼륨클레임을", ("퍼시스턴트", "볼륨", "클레임"), "을"),
        ("퍼시스턴트볼륨과", ("퍼시스턴트", "볼륨"), "과"),
        ("스토리지클래스가", ("스토리지", "클래스"), "가"),
        ("네트워크폴리시는", ("네트워크", "폴리시"), "는"),
        ("서비스어카운트의", ("서비스", "어카운트"), "의"),
        ("클러스터롤바인딩으로", ("클러스터", "롤", "바인딩"), "으로"),
        ("커스텀리소스데피니션", ("커스텀", "리소스", "데피니션"), ""),
        # Parts make compounds that the list does not name; what follows the parts stays whole
        ("엔드포인트슬라이스에서는", ("엔드포인트", "슬라이스"), "에서는"),
        ("스토리지클래스이름", ("스토리지", "클래스"), "이름"),
        # One word with a particle
        ("볼륨을", ("볼륨",), "을"),
        ("네임스페이스에서", ("네임스페이스",), "에서"),
        ("파드들의", ("파드",), "들의"),
        # Latin with a Korean particle
        ("kubectl을", ("kubectl",), "을"),
        ("etcdutl로", ("etcdutl",), "로"),
        ("volumeBindingMode를", ("volumeBindingMode",), "를"),
        # Words that end like a particle but are not a stem and a particle
        ("인가", ("인가",), ""),
        ("결과", ("결과",), ""),
        ("경로", ("경로",), ""),
        # A part followed by something that is not a part is no compound
        ("롤백", ("롤백",), ""),
        ("클래스", ("클래스",), ""),
    ],
)
def test_segment(word, parts, rest):
    assert search_ko.segment(word) == search_ko.Word(parts, rest)


def glossary_kinds() -> list[tuple[str, str]]:
    """(Korean, English) pairs written as 퍼시스턴트볼륨(PersistentVolume) in CONTRIBUTING.md's Korean rules."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text[text.index("### Korean"): text.index("### English")]
    return re.findall(r"([가-힣]+)\(([A-Za-z]+)\)", section)


def test_the_glossary_is_read():
    kinds = dict(glossary_kinds())
    assert kinds.get("퍼시스턴트볼륨클레임") == "PersistentVolumeClaim", "CONTRIBUTING.md's glossary changed its form"
    assert len(kinds) >= 15


@pytest.mark.parametrize(("korean", "english"), glossary_kinds())
def test_glossary_kinds_split_where_the_english_name_does(korean, english):
    english_words = re.findall(r"[A-Z][a-z]*|[a-z]+", english)
    parts = search_ko.segment(korean).parts
    assert "".join(parts) == korean
    assert len(parts) == len(english_words), (
        f"{korean}({english}) splits into {parts}, but the English name has {len(english_words)} words: "
        f"add its split to COMPOUNDS in cka/site/search_ko.py"
    )


def test_hidden_words_reach_inside_compounds_and_joined_words():
    text = (
        "<p>퍼시스턴트볼륨클레임을 만들고 사용자·권한을 확인한다. API그룹과 "
        "<code>volumeBindingMode</code>를 본다. kubectl을 쓴다. 볼륨을 붙인다.</p>"
    )
    words = search_ko.hidden_words(text, SEPARATOR)
    assert {"볼륨클레임", "클레임", "권한을", "그룹과", "volumebindingmode"} <= set(words)
    # What lunr already finds from the start of a word is not repeated.
    assert not {"퍼시스턴트볼륨클레임을", "볼륨을", "kubectl", "을", "사용자"} & set(words)


def test_hidden_words_of_english_text_are_only_camel_case_names():
    words = search_ko.hidden_words("<p>Set <code>volumeBindingMode: WaitForFirstConsumer</code> on a class.</p>", SEPARATOR)
    assert words == ["volumebindingmode", "waitforfirstconsumer"]


def test_add_parts_adds_fields_that_lunr_indexes():
    index = {
        "config": {"separator": SEPARATOR.pattern, "fields": {"title": {"boost": 1000.0}, "text": {"boost": 1.0}}},
        "docs": [
            {"location": "storage/pv/", "title": "퍼시스턴트볼륨클레임", "text": "<p>네트워크폴리시를 쓴다.</p>"},
            {"location": "en/storage/pv/", "title": "Claims", "text": "<p>Nothing hidden here.</p>"},
        ],
    }
    shown = [(d["title"], d["text"]) for d in index["docs"]]
    changed = search_ko.add_parts(index, {"en/storage/pv/": "A PersistentVolumeClaim <asks> for storage."})
    assert [(d["title"], d["text"]) for d in index["docs"]] == shown, "what a result shows must not change"
    ko, en = index["docs"]
    assert ko["title_parts"] == "볼륨클레임 클레임"
    assert ko["text_parts"] == "폴리시"
    assert en["text_parts"].startswith("A PersistentVolumeClaim &lt;asks&gt; for storage.")
    assert "persistentvolumeclaim" in en["text_parts"].split()
    assert "title_parts" not in en
    assert changed == 3
    assert index["config"]["fields"]["title_parts"] == {"boost": 1000.0}
    assert index["config"]["fields"]["text_parts"] == {"boost": 1.0}



def test_hyphenated_names_are_held_joined_and_by_their_tails():
    text = "<p><code>kubectl port-forward</code>, <code>--dry-run=client</code> and kube-controller-manager가 본다. 2026-12-06</p>"
    words = search_ko.hidden_words(text, SEPARATOR)
    assert {"portforward", "dryrun", "kubecontrollermanager", "controllermanager"} <= set(words)
    assert "manager" not in words and "20261206" not in words


def test_synonyms_count_where_their_term_is_written():
    synonyms = [search_ko.Synonym("스태틱 파드", ("정적", "정적파드")), search_ko.Synonym("축출", ("퇴거",)),
                search_ko.Synonym("롤", ("역할",))]
    text = "<p>스태틱 파드를 만든다. 축출이 일어나고 다시 축출된다. 롤백한다. 클러스터롤을 본다.</p>"
    words = search_ko.synonym_words(text, SEPARATOR, synonyms)
    assert words.count("정적") == 1 and words.count("정적파드") == 1
    assert words.count("퇴거") == 1, "축출된다 is a verb, not the term with a particle; 축출이 counts"
    assert words.count("역할") == 1, "롤백 is not 롤; 클러스터롤 holds 롤 as a part"


def test_the_glossary_synonyms_load():
    synonyms = search_ko.load_synonyms()
    by_term = {s.term: s.words for s in synonyms}
    assert by_term.get("오브젝트") == ("객체",)
    assert all(s.words for s in synonyms)
