"""Search terms: the strings the index keeps for a complaint and the ones a query looks for, made here
in Python so that SQLite and PostgreSQL index and match exactly the same strings.

Chinese has no spaces, so a run of Chinese (or Japanese, Korean) characters is cut into overlapping
character bigrams: 楼上漏水 gives 楼上 上漏 漏水, plus its last character alone (水), so that every
character begins some term. Every two-character word is then an exact term, whatever it is; a longer
query looks for all of its bigrams; a one-character query looks for the terms that begin with it.
Letters and digits (names in pinyin, units, ticket ids) are kept as lowercase words, and a number
written in groups (139-0000-5678, 12345-2025-000881) also as its digits run together, so that it is
found however it is typed.

Why not a word segmenter (jieba): whether 漏水 or 电梯 is found would depend on its dictionary and on
how it cut the neighbouring words (楼上漏水 may become 楼上 / 漏水 or 楼 / 上漏 / 水), and the query
and the text can be cut differently; bigrams find every two-character word by construction. Why not
pg_trgm: trigrams need three characters, so 噪音 (two) is no trigram at all, and it would exist on
PostgreSQL only. Bigrams cost a larger index (about one term per character), which both databases
compress well (posting lists), and a query of three or more characters may match text that holds its
bigrams apart (rare, and never a miss).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Han (with extension A and B and the compatibility block), kana and Hangul: scripts written without spaces.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002a6df"
_RUNS = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
_SEPARATORS = " ()+\\-./_:#"  # what people write between the groups of a phone number or a ticket id
_GROUPED = re.compile(rf"[0-9](?:[{_SEPARATORS}]*[0-9])*")
_NUMBER_ONLY = re.compile(rf"[{_SEPARATORS}]*{_GROUPED.pattern}[{_SEPARATORS}]*")
MAX_TERM = 40  # characters: a longer run of letters or digits is cut (nobody types it; the index stays small)
MAX_QUERY = 200  # characters of a query that are read (the rest is no search anyone types)
MAX_QUERY_TERMS = 12  # a longer query looks for its first terms only (more would only narrow it)
PHONE_TAIL = 4  # staff find a caller by the last four digits (尾号) too
NUMBER_MIN = 7  # digits: a shorter grouped number (a date's parts, a unit) is looked for by its groups only


@dataclass(frozen=True)
class Term:
    """What a query looks for: a term, or (``prefix``) any term that begins with it."""

    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    """A query: every one of ``terms``, or else (a number typed in groups) ``digits`` run together."""

    terms: tuple[Term, ...] = ()
    digits: str | None = None

    def __bool__(self) -> bool:
        return bool(self.terms or self.digits)


def normal(text: object) -> str:
    """Full-width letters and digits as ASCII, compatibility forms folded, lower case (NFKC)."""
    return unicodedata.normalize("NFKC", str(text)).lower()


def _runs(text: str) -> Iterable[tuple[str, str]]:
    for match in _RUNS.finditer(text):
        yield match.lastgroup or "word", match.group()


def _digits(text: str) -> str:
    return "".join(ch for ch in text if "0" <= ch <= "9")[:MAX_TERM]


def _national(digits: str) -> str:
    """A Chinese number without its country code: 8613812341234 -> 13812341234."""
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


def text_terms(text: object) -> set[str]:
    """The terms of a piece of text, as the index keeps them."""
    if text in (None, ""):
        return set()
    text = normal(text)
    found: set[str] = set()
    for kind, run in _runs(text):
        if kind == "cjk":
            found.update(run[i:i + 2] for i in range(len(run) - 1))
            found.add(run[-1])
        else:
            found.add(run[:MAX_TERM])
    for number in _GROUPED.findall(text):
        if len(digits := _digits(number)) >= NUMBER_MIN:
            found.update((digits, _national(digits)))
    return found


def phone_terms(phone: object) -> set[str]:
    """A phone number as its digits (whatever the separators), also without the 86 country code, and
    its last four digits."""
    digits = _digits(normal(phone or ""))
    if len(digits) < PHONE_TAIL:
        return {digits} if digits else set()
    return {digits, _national(digits), digits[-PHONE_TAIL:]}


def phone_key(phone: object) -> str:
    """One phone number as one string, however it was typed: its digits, without the 86 country code
    (what repeat complaints compare)."""
    return _national(_digits(normal(phone or "")))


def query_terms(text: str | None) -> Query:
    """What a query looks for: its bigrams and words (all of them), a lone character as a prefix; a number
    typed in groups (139 0000 5678) also as its digits. Anything that is no letter or digit (quotes,
    stars, operators, control characters) only separates words."""
    text = normal((text or "")[:MAX_QUERY]).strip()
    found: dict[Term, None] = {}
    for kind, run in _runs(text):
        if kind == "word":
            found[Term(run[:MAX_TERM])] = None
        elif len(run) == 1:
            found[Term(run, prefix=True)] = None
        else:
            found.update((Term(run[i:i + 2]), None) for i in range(len(run) - 1))
    terms = tuple(found)[:MAX_QUERY_TERMS]
    digits = _national(_digits(text)) if _NUMBER_ONLY.fullmatch(text) else ""
    whole = len(digits) >= NUMBER_MIN and terms != (Term(digits),)
    return Query(terms, digits if whole else None)
