"""The texts written in processes/ in English: every one the shipped files contain has its line in
texts.en.toml, a missing or broken catalogue shows the Chinese as written, and an edit is read again."""
from __future__ import annotations

import json
import logging
import re
import shutil
import tomllib
from pathlib import Path

from runtime import authored_texts

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
CJK = re.compile(r"[\u4e00-\u9fff]")
NOT_SHOWN = {"pattern", "format", "$id", "$schema", "type", "const", "default", "enum", "required"}


def _strings(value, skip=NOT_SHOWN):
    """Every Chinese string shown from a parsed form or TOML file (its keys' values, not its codes)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in skip:
                yield from _strings(item, skip)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, skip)
    elif isinstance(value, str) and CJK.search(value):
        yield value


def written_texts() -> dict[str, str]:
    """Chinese text -> the file it comes from: forms, diagram and decision names, decision outputs, policies."""
    found: dict[str, str] = {}
    for path in sorted(PROCESSES.rglob("*.json")):
        found.update((text, path.name) for text in _strings(json.loads(path.read_text(encoding="utf-8"))))
    for path in sorted([*PROCESSES.glob("*.bpmn"), *PROCESSES.glob("*.dmn")]):
        xml = path.read_text(encoding="utf-8")
        texts = re.findall(r'\bname="([^"]+)"', xml) + re.findall(r'<(?:\w+:)?text>"([^"<]+)"</', xml)
        found.update((text, path.name) for text in texts if CJK.search(text))
    for path in sorted(PROCESSES.glob("*.toml")):
        if not path.name.startswith("texts."):
            found.update((text, path.name) for text in _strings(tomllib.loads(path.read_text(encoding="utf-8"))))
    return found


def test_every_text_written_in_the_processes_has_its_english():
    english = tomllib.loads((PROCESSES / "texts.en.toml").read_text(encoding="utf-8"))["texts"]
    missing = {text: where for text, where in written_texts().items() if text not in english}
    assert missing == {}, f"add these to processes/texts.en.toml: {missing}"
    assert len(english) >= 300
    chinese_left = {zh: en for zh, en in english.items() if CJK.search(en)}
    assert chinese_left == {}


def test_a_text_is_translated_when_known_and_shown_as_written_otherwise():
    assert authored_texts.translated(PROCESSES, "en", "确认有效性并派单") == "Check validity and dispatch"
    assert authored_texts.translated(PROCESSES, "en_GB", "20分钟未派单") == "Not dispatched in 20 minutes"
    assert authored_texts.translated(PROCESSES, "en", "新加的任务") == "新加的任务"
    assert authored_texts.translated(PROCESSES, "zh_Hans", "确认有效性并派单") == "确认有效性并派单"
    assert authored_texts.translated(PROCESSES, "fr", "确认有效性并派单") == "确认有效性并派单"


def test_a_broken_catalogue_is_logged_and_the_texts_stay_readable(tmp_path, caplog):
    shutil.copy(PROCESSES / "texts.en.toml", tmp_path / "texts.en.toml")
    assert authored_texts.translated(tmp_path, "en", "早班") == "Morning shift"
    (tmp_path / "texts.en.toml").write_text('[texts]\n"早班" = "Early shift"\n"晚班" = \n', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert authored_texts.translated(tmp_path, "en", "早班") == "早班"
    assert "texts.en.toml is ignored" in caplog.text
    (tmp_path / "texts.en.toml").write_text('[texts]\n"早班" = "Early shift"\n', encoding="utf-8")
    assert authored_texts.translated(tmp_path, "en", "早班") == "Early shift"  # the edit is read again
    (tmp_path / "texts.en.toml").unlink()
    assert authored_texts.translated(tmp_path, "en", "早班") == "早班"
