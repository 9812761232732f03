"""Namespace-agnostic element look-ups by local names ("A/B/C").

UBL files use a default namespace or a `ubl:` prefix, CII D16B and ZUGFeRD 1.0 use other
namespace URIs for the same element names; matching local names reads them all with one
path per business term.
"""

from __future__ import annotations

from functools import lru_cache

from lxml import etree


@lru_cache(maxsize=512)
def _compiled(path: str) -> etree.XPath:
    steps = []
    for step in path.split("/"):
        if step == "..":
            steps.append("..")
        elif step.startswith("@"):
            steps.append(step)
        else:
            steps.append(f"*[local-name()='{step}']")
    return etree.XPath("/".join(steps))


def find_all(el: etree._Element, path: str) -> list[etree._Element]:
    """Return the elements under `el` at the local-name path `path` ("A/B/C")."""
    found = _compiled(path)(el)
    assert isinstance(found, list)
    return [e for e in found if isinstance(e, etree._Element)]


def find(el: etree._Element, path: str) -> etree._Element | None:
    """Return the first element under `el` at `path`, or None."""
    found = find_all(el, path)
    return found[0] if found else None


def text(el: etree._Element | None, *paths: str) -> str | None:
    """Return the stripped text of the first of `paths` under `el` that has any, or None."""
    if el is None:
        return None
    for path in paths:
        for node in find_all(el, path):
            value = " ".join("".join(node.itertext()).split())
            if value:
                return value
    return None


def identifier(el: etree._Element | None, *paths: str) -> tuple[str, str | None] | None:
    """Return (text, schemeID) of the first of `paths` under `el` with any text, or None.

    Party identifiers (BT-29, BT-30, BT-46, BT-47) carry their identification scheme (an
    ISO 6523 ICD code such as 0088 for a GLN) in a `schemeID` attribute.
    """
    if el is None:
        return None
    for path in paths:
        for node in find_all(el, path):
            value = " ".join("".join(node.itertext()).split())
            if value:
                return value, node.get("schemeID") or None
    return None
