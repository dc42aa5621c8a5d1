"""The texts process owners write in processes/ (diagram names, form labels and choices, decision reasons,
rating rules, shift names), in another interface language.

The files are written in Chinese and stay so: a diagram or a form is one file for every reader. Each other
language has one catalogue beside them, ``texts.<language>.toml``, mapping the Chinese text to its
translation; a renderer asks ``translated`` for what it shows. A text missing from the catalogue is shown as
written (a newly added task is readable, only not yet translated), and a catalogue that does not parse is
logged once and ignored: an editing slip in a text file never takes the pages down.
"""
from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

log = logging.getLogger(__name__)
SOURCE_LANGUAGE = "zh"
_CACHE: dict[Path, tuple[tuple[int, int] | None, Mapping[str, str]]] = {}
EMPTY: Mapping[str, str] = MappingProxyType({})


def catalogue_path(processes_dir: Path, language: str) -> Path:
    return processes_dir / f"texts.{language}.toml"


def catalogue(processes_dir: Path, language: str) -> Mapping[str, str]:
    """The translations into ``language`` (the language part of a locale: ``en`` for ``en_GB``), read
    again only when the file changed; empty for the source language or a language without a file."""
    language = language.split("_", maxsplit=1)[0].split("-", maxsplit=1)[0].lower()
    if language == SOURCE_LANGUAGE:
        return EMPTY
    path = catalogue_path(processes_dir, language)
    try:
        stamp = path.stat()
        key: tuple[int, int] | None = (stamp.st_mtime_ns, stamp.st_size)
    except OSError:
        key = None
    cached = _CACHE.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    found = _read(path) if key is not None else EMPTY
    _CACHE[path] = (key, found)
    return found


def translated(processes_dir: Path, language: str, text: str | None) -> str | None:
    """``text`` in ``language`` when the catalogue has it, else as written."""
    if not text:
        return text
    return catalogue(processes_dir, language).get(text.strip(), text)


def _read(path: Path) -> Mapping[str, str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        log.warning("%s is ignored, the texts are shown as written: %s", path, err)
        return EMPTY
    texts = data.get("texts")
    if not isinstance(texts, dict):
        log.warning("%s is ignored: it has no [texts] table", path)
        return EMPTY
    return MappingProxyType({str(k): v for k, v in texts.items() if isinstance(v, str) and v.strip()})
