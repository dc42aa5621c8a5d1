"""What a person reads on a page, and what in it is in the wrong language or an internal name.

The visible text is the page's text outside <script>/<style>, plus the words a browser shows from
attributes (title, placeholder, aria-label, alt, a button's value). Text marked as computer code
(<code>, <kbd>, <samp>: a process id beside its name for the process owner, a content hash) is an
identifier the page declares as such, not a word of either language, and is left out. The checks are told what is user
data (complaints, people's names, the process owners' own texts) so only the product's words are judged.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

HIDDEN_TAGS = ("script", "style", "code", "kbd", "samp")
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
BUTTON_TYPES = {"submit", "button", "reset"}
# Ideographs, with the digits that sit inside a name ("20分钟未派单", "3栋1单元502").
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff][\u3400-\u4dbf\u4e00-\u9fff0-9]*")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'\-]*")
# Things written in Latin letters that are not words of a language: addresses, file names, numbers of
# complaints, e-mail addresses, times.
NOT_WORDS = re.compile(
    r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"  # e-mail addresses
    r"|https?://\S+"
    r"|(?:/?[\w\-\u4e00-\u9fff]+/)*[\w\-.\u4e00-\u9fff]+\.(?:pdf|jpe?g|png|xlsx|csv|zip|bpmn|dmn|json|xes|toml)\b"
    r"|\b[A-Z]{2,}-\d+\b"  # business keys such as DEMO-0001
    r"|\b[0-9a-f]{7,64}\b|\bv\d+\b",  # a version's content hash, a version number (v3)
    re.IGNORECASE)


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN_TAGS:
            self._hidden_depth += 1
            return
        values = dict(attrs)
        self.parts.extend(values[a] for a in SHOWN_ATTRIBUTES if values.get(a))
        if tag == "input" and (values.get("type") or "").lower() in BUTTON_TYPES and values.get("value"):
            self.parts.append(values["value"] or "")

    def handle_endtag(self, tag):
        if tag in HIDDEN_TAGS and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data):
        if not self._hidden_depth and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    """The page's texts as a reader meets them, one fragment per text node or shown attribute."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return parser.parts


def foreign_cjk(fragments: list[str], allowed: str) -> list[str]:
    """Runs of Chinese in an English page that are not part of the user data ``allowed``."""
    return sorted({run for f in fragments for run in CJK_RUN.findall(f) if run not in allowed})


def foreign_latin(fragments: list[str], allowed_words: set[str]) -> list[str]:
    """Latin words in a Chinese page that are neither user data nor in ``allowed_words`` (case-insensitive)."""
    lowered = {w.lower() for w in allowed_words}
    found = set()
    for fragment in fragments:
        for word in LATIN_WORD.findall(NOT_WORDS.sub(" ", fragment)):
            if word.strip("'-_").lower() not in lowered and not re.fullmatch(r"[A-Za-z]", word):
                found.add(word)
    return sorted(found)


def codes_shown(fragments: list[str], codes: set[str]) -> list[str]:
    """Internal names (role, step, timer, rule, status codes) a page shows as they are: a compound code
    (``front_desk``, ``watch_15``) anywhere, a one-word code (``engineering``) where it stands alone, as
    in a table cell or a badge (in an English sentence the word may be meant)."""
    compound = {c for c in codes if not c.isalpha()}
    words = {w for f in fragments for w in LATIN_WORD.findall(NOT_WORDS.sub(" ", f))}
    alone = {f for f in fragments if f in codes}
    return sorted((words & compound) | alone)


# -- the product's own names, and the process owners' texts -----------------------------------------
def package_texts(processes: Path) -> list[str]:
    """Every text a process owner wrote in the deployed package: element and lane names, documentation,
    form titles, labels (enumNames), descriptions, and the policy files' strings."""
    texts: list[str] = []
    for path in [*processes.glob("*.bpmn"), *processes.glob("*.dmn")]:
        for element in ElementTree.parse(path).iter():
            if not element.tag.startswith(("{http://www.omg.org/spec/", "{https://www.omg.org/spec/")):  # BPMN, DMN
                continue  # (not a tool's extensions: settings, not text)
            prose = element.tag.endswith(("documentation", "}text")) and element.text  # not scripts, conditions
            texts += [element.get("name") or "", element.get("label") or "", prose or ""]
    for path in (processes / "forms").glob("*.json"):
        texts += _schema_texts(json.loads(path.read_text(encoding="utf-8")))
    for path in processes.glob("*.toml"):
        if path.name.startswith("texts."):
            continue  # the translations of these texts, not texts of their own
        texts += re.findall(r'"([^"]*)"', path.read_text(encoding="utf-8"))
    return [t.strip() for t in texts if t and t.strip()]


def _schema_texts(node) -> list[str]:
    if isinstance(node, dict):
        own = [str(node[k]) for k in ("title", "description") if isinstance(node.get(k), str)]
        own += [str(n) for n in node.get("enumNames", [])] if isinstance(node.get("enumNames"), list) else []
        return own + [t for value in node.values() for t in _schema_texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in _schema_texts(value)]
    return []


def package_codes(processes: Path) -> set[str]:
    """The internal names the package defines: element ids (steps, timers, gateways, lanes, processes),
    rule names (slaRule properties), the forms' field names and the codes of every enum in them."""
    codes: set[str] = set()
    for path in processes.glob("*.bpmn"):
        for element in ElementTree.parse(path).iter():
            codes.add(element.get("id") or "")
            if element.tag.endswith("property"):
                codes.add(element.get("value") or "")
    for path in (processes / "forms").glob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        codes |= _enum_codes(schema) | _field_names(schema)
    return {c for c in codes if re.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z]+[0-9]+", c)} | \
        {c for c in codes if re.fullmatch(r"[a-z]+", c or "") and c in _enum_codes_of_fields(processes)}


def _field_names(node) -> set[str]:
    """The names of a form's fields (``reply_summary``): the keys of the data, never its labels."""
    if isinstance(node, dict):
        own = set(node["properties"]) if isinstance(node.get("properties"), dict) else set()
        return own | {c for value in node.values() for c in _field_names(value)}
    if isinstance(node, list):
        return {c for value in node for c in _field_names(value)}
    return set()


def _enum_codes(node) -> set[str]:
    if isinstance(node, dict):
        own = {str(v) for v in node.get("enum", []) if isinstance(v, str)} if isinstance(node.get("enum"), list) \
            else set()
        return own | {c for value in node.values() for c in _enum_codes(value)}
    if isinstance(node, list):
        return {c for value in node for c in _enum_codes(value)}
    return set()


def _enum_codes_of_fields(processes: Path) -> set[str]:
    """Codes of the fields whose values name things (departments, categories, channels): never English
    words a sentence would contain in the English interface."""
    codes: set[str] = set()
    for path in (processes / "forms").glob("*.json"):
        props = json.loads(path.read_text(encoding="utf-8")).get("properties", {})
        for field in ("department", "category", "channel", "callback_channel", "cause_type", "posted_where"):
            codes |= {str(v) for v in props.get(field, {}).get("enum", [])}
    return codes
