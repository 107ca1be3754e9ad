"""The `iia-hash` of an IIAs API v7 `iia` element.

EWP defines the hash by an XSLT (`transform_version_7.xsl` of ewp-specs-api-iias) that turns an
`iia` into one `text-to-hash` string; the hash is the SHA-256 of that string's UTF-8 bytes, in
lower-case hex. `iia_hash_text` builds the same string the XSLT does:

1. `_@terminated-as-a-whole@_` when `cooperation-conditions` is terminated as a whole;
2. `_iia-id_N=VALUE_` for each partner N (from 1), empty when the partner has no `iia-id`;
3. for each mobility spec, each descendant element in document order, except those inside a
   sending or receiving contact, those marked (or inside an element marked)
   `not-yet-defined="true"`, and the two academic-year elements: its attributes other than
   `not-yet-defined` and `v6-value` as `_@A.B.C.attr=value@_` (A.B.C being the names of the
   element's grandparent, parent and itself), then, for an element without child elements,
   `_A.B.C=text_` (A.B.C the names of its grandparent, parent and itself); an `isced-f-code`
   with a `v6-value` contributes that value;
4. after each spec, `_receiving-first-academic-year-id=Y_` and
   `_receiving-last-academic-year-id=Y_`.

Elements are matched by local name, whatever their namespace, as the XSLT does.
"""

import hashlib
from collections.abc import Iterator

from lxml import etree

CONTACTS = frozenset({"sending-contact", "receiving-contact"})
ACADEMIC_YEARS = ("receiving-first-academic-year-id", "receiving-last-academic-year-id")
SKIPPED_ATTRIBUTES = frozenset({"not-yet-defined", "v6-value"})
TRUE = frozenset({"true", "1"})


def _name(node: etree._Element | None) -> str:
    if node is None or not isinstance(node.tag, str):
        return ""
    return etree.QName(node).localname


def _children(node: etree._Element, name: str | None = None) -> Iterator[etree._Element]:
    for child in node.iterchildren(etree.Element):
        if name is None or _name(child) == name:
            yield child


def _first(node: etree._Element, name: str) -> etree._Element | None:
    return next(_children(node, name), None)


def _text(node: etree._Element | None) -> str:
    """The XPath string value: all descendant text, comments left out."""
    if node is None:
        return ""
    return str(node.xpath("string()"))


def _not_yet_defined(node: etree._Element) -> bool:
    return node.get("not-yet-defined") in TRUE


def _path(node: etree._Element) -> str:
    parent = node.getparent()
    grandparent = parent.getparent() if parent is not None else None
    return f"{_name(grandparent)}.{_name(parent)}.{_name(node)}"


def _value(node: etree._Element) -> str:
    if _name(node) == "isced-f-code":
        v6_value = node.get("v6-value") or ""
        if v6_value:
            return v6_value
    return _text(node)


def _spec_parts(spec: etree._Element) -> Iterator[str]:
    for node in spec.iterdescendants(etree.Element):
        ancestors = list(node.iterancestors(etree.Element))
        if (
            any(_name(ancestor) in CONTACTS for ancestor in ancestors)
            or _not_yet_defined(node)
            or any(_not_yet_defined(ancestor) for ancestor in ancestors)
            or _name(node) in ACADEMIC_YEARS
        ):
            continue
        for attribute, value in node.attrib.items():
            name = etree.QName(attribute)
            if name.localname in SKIPPED_ATTRIBUTES and not name.namespace:
                continue
            yield f"_@{_path(node)}.{name.localname}={value}@_"
        if next(_children(node), None) is None:
            yield f"_{_path(node)}={_value(node)}_"
    for name in ACADEMIC_YEARS:
        yield f"_{name}={_text(_first(spec, name))}_"


def iia_hash_text(iia: etree._Element) -> str:
    """The `text-to-hash` of `iia` (an `iia` element of an IIAs v7 get response)."""
    parts: list[str] = []
    conditions = _first(iia, "cooperation-conditions")
    if conditions is not None and conditions.get("terminated-as-a-whole") in TRUE:
        parts.append("_@terminated-as-a-whole@_")
    for position, partner in enumerate(_children(iia, "partner"), start=1):
        parts.append(f"_iia-id_{position}={_text(_first(partner, 'iia-id'))}_")
    if conditions is not None:
        for spec in _children(conditions):
            parts.extend(_spec_parts(spec))
    return "".join(parts)


def iia_hash(iia: etree._Element) -> str:
    """The `iia-hash` of `iia`: SHA-256 of its `text-to-hash`, lower-case hex."""
    return hashlib.sha256(iia_hash_text(iia).encode("utf-8")).hexdigest()
