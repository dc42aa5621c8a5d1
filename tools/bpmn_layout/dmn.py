"""A drawn decision requirements diagram (DRD) for a DMN file: modelers open a file without DMNDI on an
empty canvas. Decisions (and input data, knowledge sources) left to right in document order; the DMNDI
section declares its own namespaces, so the decision logic above it stays byte for byte."""
from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

from lxml import etree

DMN = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"
DRAWN = ("decision", "inputData", "knowledgeSource", "businessKnowledgeModel")
SECTION = re.compile(r"\n?  <dmndi:DMNDI\b.*?</dmndi:DMNDI>", re.S)
X0, Y0, WIDTH, HEIGHT, GAP = 160, 100, 180, 80, 60


def _shape(element: str, x: int) -> list[str]:
    return [f"      <dmndi:DMNShape id={quoteattr(element + '_di')} dmnElementRef={quoteattr(element)}>",
            f'        <dc:Bounds x="{x}" y="{Y0}" width="{WIDTH}" height="{HEIGHT}"/>',
            "      </dmndi:DMNShape>"]


def relayout_dmn(text: str) -> str:
    """The DMN text with its DMNDI (re)written just before ``</definitions>``."""
    root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    ids = [el.get("id") for el in root if isinstance(el.tag, str) and etree.QName(el).localname in DRAWN]
    lines = ['  <dmndi:DMNDI xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" '
             'xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/">',
             f"    <dmndi:DMNDiagram id={quoteattr('drd_' + root.get('id', 'dmn'))}>"]
    for i, element in enumerate(ids):
        lines += _shape(element, X0 + i * (WIDTH + GAP))
    lines += ["    </dmndi:DMNDiagram>", "  </dmndi:DMNDI>"]
    body = SECTION.sub("", text)
    head, sep, tail = body.rpartition("</definitions>")
    if not sep:
        raise ValueError("not a DMN file: no </definitions>")
    return head + "\n".join(lines) + "\n" + sep + tail
