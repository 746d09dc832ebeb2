"""Links in a tab the tool rewrites whole: `<hyperlinks>` in the sheet, and one external
relationship per link in the sheet's relationship part.

Only the hyperlink relationships are the tool's: any other relationship of the part
(a drawing someone added to the tab) is kept as it was.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from sheets_keepup.backends.xlsx.package import (
    PKG_REL_NS,
    REL_NS,
    Package,
    add_relationship,
    parse_xml,
    q,
    rels_name,
    to_xml,
)
from sheets_keepup.backends.xlsx.refs import cell_name
from sheets_keepup.backends.xlsx.sheet import SheetPart, insert
from sheets_keepup.core.model import CellLink

HYPERLINK = REL_NS + "/hyperlink"
_EMPTY_RELS = f'<Relationships xmlns="{PKG_REL_NS}"/>'.encode()


def set_links(existing: bytes | None, part: SheetPart, links: Sequence[CellLink]) -> bytes | None:
    """Put `links` in `part` (a part made anew, so it has no `<hyperlinks>` yet) and
    return the sheet's new relationship part, or None when it need not change.

    `existing` is the relationship part as it is now (None when the sheet has none).
    """
    rels = parse_xml(existing) if existing is not None else parse_xml(_EMPTY_RELS)
    stale = [rel for rel in rels if rel.get("Type") == HYPERLINK]
    if not links and not stale:
        return None
    for rel in stale:
        rels.remove(rel)
    container = etree.Element(q("hyperlinks"))
    for link in links:
        rel_id = add_relationship(rels, HYPERLINK, link.url, external=True)
        element = etree.SubElement(container, q("hyperlink"))
        element.set("ref", cell_name(link.row, link.col))
        element.set(q("id", REL_NS), rel_id)
    if links:
        insert(part.tree, container)
    return to_xml(rels)


def sheet_rels_part(package: Package, part_name: str) -> tuple[str, bytes | None]:
    """The name of a sheet's relationship part and its bytes (None when it has none)."""
    name = rels_name(part_name)
    found = package.name_of(name)
    return (found or name), (package.read(found) if found is not None else None)
