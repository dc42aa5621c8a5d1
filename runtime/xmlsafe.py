"""Hardened reading of uploaded XML (BPMN, DMN).

Uploads are untrusted: a DOCTYPE, entity or external reference is refused outright. defusedxml
vets the bytes first; lxml then parses with entity resolution, DTD loading and network off, so
even a gap in one layer cannot read a local file or expand a bomb.
"""
from __future__ import annotations

import defusedxml
import defusedxml.ElementTree as defused
from lxml import etree

from runtime.errors import Problem

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                          huge_tree=False, remove_comments=True, remove_pis=True)
MAX_BYTES = 5 * 1024 * 1024


class UnsafeXml(Exception):
    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def parse(name: str, content: bytes) -> etree._ElementTree:
    """Parse ``content`` safely or raise UnsafeXml naming the file and what is wrong."""
    if len(content) > MAX_BYTES:
        raise UnsafeXml(Problem(name, f"file is larger than {MAX_BYTES // 1024 // 1024} MB"))
    try:
        defused.fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden:
        raise UnsafeXml(Problem(name, "a DOCTYPE declaration is not allowed in process files")) from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise UnsafeXml(Problem(name, "XML entities and external references are not allowed")) from None
    except defused.ParseError as e:
        line = e.position[0] if getattr(e, "position", None) else None
        raise UnsafeXml(Problem(name, f"not well-formed XML: {e}", line=line)) from None
    try:
        tree = etree.ElementTree(etree.fromstring(content, _PARSER))
    except etree.XMLSyntaxError as e:
        raise UnsafeXml(Problem(name, f"not well-formed XML: {e.msg}", line=e.lineno)) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UnsafeXml(Problem(name, "a DOCTYPE declaration is not allowed in process files"))
    return tree
