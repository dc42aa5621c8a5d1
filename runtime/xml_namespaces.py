"""The XML vocabularies a process file may use: BPMN and DMN with their diagram interchange, the
extensions of SpiffWorkflow, Camunda and bpmn.io (colours, modeler metadata), and XML Schema
instance attributes.

Anything else (XHTML, SVG, XInclude, a vendor's unknown extension) is refused at deployment: the
engine would ignore it, but the stored file is served back to administrators and opened in modelers,
so markup nobody reads is only a place to hide a script.
"""
from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from runtime.bpmn_ns import BPMN, BPMNDI, SPIFF

KNOWN = frozenset({
    BPMN, BPMNDI, SPIFF,
    "http://www.omg.org/spec/DD/20100524/DC",
    "http://www.omg.org/spec/DD/20100524/DI",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "https://www.omg.org/spec/DMN/20230324/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/DMNDI/",
    "https://www.omg.org/spec/DMN/20230324/DMNDI/",
    "http://www.omg.org/spec/DMN/20180521/DMNDI/",
    "http://www.omg.org/spec/DMN/20180521/DC/",
    "http://www.omg.org/spec/DMN/20180521/DI/",
    "http://camunda.org/schema/1.0/bpmn",
    "http://camunda.org/schema/1.0/dmn",
    "http://camunda.org/schema/modeler/1.0",
    "http://bpmn.io/schema/bpmn/biocolor/1.0",
    "http://bpmn.io/schema/dmn/biodi/2.0",
    "http://www.omg.org/spec/BPMN/non-normative/color/1.0",
    "http://www.w3.org/2001/XMLSchema-instance",
    "http://www.w3.org/XML/1998/namespace",  # xml:lang, xml:space
})
MAX_REPORTED = 10  # one file full of foreign markup should not bury the other problems


def foreign_markup(tree: etree._ElementTree) -> Iterator[tuple[etree._Element, str]]:
    """Each element or attribute from a vocabulary outside KNOWN, with a message naming it."""
    found = 0
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for what, qualified in [("element", element.tag), *(("attribute", a) for a in element.attrib)]:
            uri = etree.QName(qualified).namespace
            if uri in KNOWN or (uri is None and what == "attribute"):  # plain attributes are BPMN's own
                continue
            origin = f"comes from {uri[:200]}" if uri else "has no namespace"
            yield element, (f"the {what} {etree.QName(qualified).localname!r} {origin}, which is not "
                            "BPMN, DMN or an extension complaintflow knows: remove it")
            found += 1
            if found >= MAX_REPORTED:
                return
