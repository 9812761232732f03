"""Parse untrusted XML safely: no DTD, no entities, no network, bounded size.

An uploaded e-invoice is hostile input like any other. An XML file can declare external
entities (XXE: `<!ENTITY x SYSTEM "file:///etc/passwd">`) or nested ones that expand to
gigabytes ("billion laughs"). A UBL or CII invoice needs neither, so any DOCTYPE or ENTITY
declaration is refused before the parser runs, and the parser itself is configured to
resolve nothing, load no DTD and reach no network.
"""

from __future__ import annotations

import re

from lxml import etree

from paperclerk.errors import CorruptInputError, EmptyInputError, UnsafeXmlError

MAX_XML_BYTES = 20 * 1024 * 1024
"""The largest XML accepted: real e-invoices are kilobytes, a few megabytes with attachments."""

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def refuse_declarations(data: bytes) -> None:
    """Raise UnsafeXmlError when `data` holds a DOCTYPE or ENTITY declaration.

    Checked on the raw bytes (and on the text of UTF-16 files) so nothing is parsed first.
    """
    if _DECLARATION.search(data):
        raise UnsafeXmlError(
            "The XML declares a DOCTYPE or entities, which e-invoices never need; refused."
        )
    if data.startswith(_UTF16_BOMS):
        text = data.decode("utf-16", errors="replace").encode("utf-8")
        if _DECLARATION.search(text):
            raise UnsafeXmlError(
                "The XML declares a DOCTYPE or entities, which e-invoices never need; refused."
            )


def parse_xml(data: bytes, *, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    """Parse untrusted XML bytes and return the root element.

    Raises EmptyInputError for no bytes, UnsafeXmlError for a file over `max_bytes` or one
    with a DOCTYPE/ENTITY declaration, and CorruptInputError for bytes that are not
    well-formed XML.
    """
    if not data or not data.strip():
        raise EmptyInputError("The XML is empty.")
    if len(data) > max_bytes:
        raise UnsafeXmlError(
            f"The XML is {len(data):,} bytes; at most {max_bytes:,} bytes are accepted."
        )
    refuse_declarations(data)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise CorruptInputError(f"The file is not well-formed XML: {exc.msg}") from exc
    if root is None:
        raise CorruptInputError("The file is not well-formed XML: no root element.")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeXmlError("The XML declares a DOCTYPE, which e-invoices never need; refused.")
    return root
