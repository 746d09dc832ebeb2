"""Developer metadata and DataFilters: where metadata lives, how lookups match it, and
which cells a DataFilter selects.

Google's model (reference page ``spreadsheets.developerMetadata`` and the guide "Read,
write, and search metadata"): metadata sits on the spreadsheet, a sheet, or one row or
column; it stays with its row or column as the sheet is edited and is deleted with it.
The fake keeps row and column metadata inside ``Sheet.row_meta``/``col_meta`` (under
``developerMetadata``, without a location), so every edit that moves those dictionaries
moves the metadata too; the location is computed when the metadata is shown.
Spreadsheet and sheet metadata are stored whole in ``extras`` (their location never
changes), which is also where ``spreadsheets.get`` finds them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, bad_request
from .model import Grid, Sheet, Spreadsheet
from .valueops import resolve
from .values import JsonDict, json_copy

KEY = "developerMetadata"
VISIBILITIES = ("DOCUMENT", "PROJECT")
# Not found in the reference pages available offline; Google's guidance on metadata
# sizes is a 30,000-character budget per spreadsheet and per sheet (keys plus values).
# The fake enforces it so that a tool storing bulky values fails here first.
MAX_CHARACTERS = 30_000
MAX_ID = 2**31 - 1  # metadataId is an int32 and "must be positive"


@dataclass
class Found:
    """One stored metadata entry and where it is attached."""

    entry: JsonDict  # the stored dict (live: edits change the spreadsheet)
    kind: str  # SPREADSHEET, SHEET, ROW or COLUMN
    sheet: Sheet | None = None
    index: int | None = None  # row or column index for ROW/COLUMN

    @property
    def metadata_id(self) -> int:
        return int(self.entry.get("metadataId", 0))

    def location(self) -> JsonDict:
        """DeveloperMetadataLocation JSON as Google returns it."""
        if self.kind == "SPREADSHEET" or self.sheet is None:
            return {"locationType": "SPREADSHEET", "spreadsheet": True}
        if self.kind == "SHEET":
            return {"locationType": "SHEET", "sheetId": self.sheet.sheet_id}
        rows = self.kind == "ROW"
        index = int(self.index or 0)
        span: JsonDict = {"sheetId": self.sheet.sheet_id} if self.sheet.sheet_id else {}
        span |= {"dimension": "ROWS" if rows else "COLUMNS", "startIndex": index}
        span["endIndex"] = index + 1
        return {"locationType": self.kind, "dimensionRange": span}

    def full(self) -> JsonDict:
        """The DeveloperMetadata resource, location included."""
        return render(self.entry, self.location())

    def grids(self, book: Spreadsheet) -> list[Grid]:
        """The cells this metadata stands for: a whole row, column, sheet or every sheet."""
        if self.sheet is None:
            return [sheet.whole() for sheet in book.sheets]
        sheet, index = self.sheet, int(self.index or 0)
        if self.kind == "ROW":
            return [Grid(sheet, index, index + 1, 0, sheet.col_count)]
        if self.kind == "COLUMN":
            return [Grid(sheet, 0, sheet.row_count, index, index + 1)]
        return [sheet.whole()]

    def remove(self, book: Spreadsheet) -> None:
        """Detach this entry from wherever it is stored."""
        holder = _holder(book, self)
        if holder is None:
            return
        kept = [e for e in holder.get(KEY, []) if e is not self.entry]
        if kept:
            holder[KEY] = kept
        else:
            holder.pop(KEY, None)


def render(entry: JsonDict, location: JsonDict) -> JsonDict:
    """Fields in Google's order, with the computed location."""
    out: JsonDict = {"metadataId": entry["metadataId"], "metadataKey": entry["metadataKey"]}
    if entry.get("metadataValue"):
        out["metadataValue"] = entry["metadataValue"]
    out["location"] = location
    out["visibility"] = entry["visibility"]
    return out


def _holder(book: Spreadsheet, found: Found) -> JsonDict | None:
    if found.kind == "SPREADSHEET" or found.sheet is None:
        return book.extras
    if found.kind == "SHEET":
        return found.sheet.extras
    meta = found.sheet.row_meta if found.kind == "ROW" else found.sheet.col_meta
    return meta.get(int(found.index or 0))


def everything(book: Spreadsheet) -> Iterator[Found]:
    """All metadata: the spreadsheet's, then per sheet its own, its rows', its columns'."""
    for entry in book.extras.get(KEY, []):
        yield Found(entry, "SPREADSHEET")
    for sheet in book.sheets:
        for entry in sheet.extras.get(KEY, []):
            yield Found(entry, "SHEET", sheet)
        for kind, meta in (("ROW", sheet.row_meta), ("COLUMN", sheet.col_meta)):
            for index in sorted(i for i, props in meta.items() if KEY in props):
                for entry in meta[index][KEY]:
                    yield Found(entry, kind, sheet, index)


def by_id(book: Spreadsheet, metadata_id: int) -> Found | None:
    for found in everything(book):
        if found.metadata_id == metadata_id:
            return found
    return None


def dimension_props(sheet: Sheet, rows: bool, index: int, props: JsonDict) -> JsonDict:
    """DimensionProperties for ``spreadsheets.get``: stored metadata gets its location."""
    if KEY not in props:
        return props
    kind = "ROW" if rows else "COLUMN"
    out = dict(props)
    out[KEY] = [Found(e, kind, sheet, index).full() for e in props[KEY]]
    return out


# --- locations in requests --------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A location named in a request: the spreadsheet, a sheet, or rows/columns of one."""

    kind: str  # SPREADSHEET, SHEET, ROW or COLUMN
    sheet: Sheet | None = None
    start: int = 0
    end: int = 0

    def holds(self, found: Found) -> bool:
        """EXACT_LOCATION: the same place."""
        if self.kind != found.kind:
            return False
        if self.kind == "SPREADSHEET":
            return True
        if found.sheet is not self.sheet:
            return False
        return self.kind == "SHEET" or (
            found.index is not None and self.start <= found.index < self.end
        )

    def touches(self, found: Found) -> bool:
        """INTERSECTING_LOCATION. "Spreadsheet metadata cannot intersect any other
        developer metadata location" (DeveloperMetadataLookup.locationType); a row meets
        every column of its sheet and the sheet itself, and a sheet meets everything on
        it. That a row also meets its sheet is the fake's reading: the docs name only
        the row/column case."""
        if self.kind == "SPREADSHEET" or found.kind == "SPREADSHEET":
            return self.kind == found.kind
        if found.sheet is not self.sheet:
            return False
        if self.kind == "SHEET" or found.kind == "SHEET" or self.kind != found.kind:
            return True
        return found.index is not None and self.start <= found.index < self.end


def place_of(book: Spreadsheet, location: JsonDict, *, single: bool) -> Place:
    """Parse a DeveloperMetadataLocation (its ``locationType`` is read-only and ignored).

    ``single``: as for metadata being created, a dimensionRange must be one bounded row
    or column ("It cannot be unbounded or span multiple rows or columns").
    """
    given = [k for k in ("spreadsheet", "sheetId", "dimensionRange") if location.get(k) is not None]
    if len(given) != 1:
        raise bad_request(
            "A developer metadata location must set exactly one of spreadsheet, sheetId "
            "and dimensionRange."
        )
    if given[0] == "spreadsheet":
        if location["spreadsheet"] is not True:
            raise bad_request("A spreadsheet location must have spreadsheet set to true.")
        return Place("SPREADSHEET")
    if given[0] == "sheetId":
        return Place("SHEET", _sheet(book, location["sheetId"]))
    span: JsonDict = location["dimensionRange"]
    sheet = _sheet(book, span.get("sheetId", 0))
    rows = span.get("dimension") == "ROWS"
    if span.get("dimension") not in ("ROWS", "COLUMNS"):
        raise bad_request("A developer metadata dimensionRange must set dimension.")
    size = sheet.row_count if rows else sheet.col_count
    if "startIndex" not in span or "endIndex" not in span:
        raise bad_request("A developer metadata dimensionRange cannot be unbounded.")
    start, end = int(span["startIndex"]), int(span["endIndex"])
    if single and end - start != 1:
        raise bad_request(
            "A developer metadata dimensionRange must represent a single row or column."
        )
    if start < 0 or end <= start or end > size:
        raise bad_request(f"Invalid dimensionRange: [{start}, {end}) on a grid of size {size}.")
    return Place("ROW" if rows else "COLUMN", sheet, start, end)


def _sheet(book: Spreadsheet, sheet_id: Any) -> Sheet:
    sheet = book.sheet_by_id(int(sheet_id or 0))
    if sheet is None:
        raise bad_request(f"No grid with id: {int(sheet_id or 0)}")
    return sheet


# --- lookups and data filters -----------------------------------------------------------


def check_lookup(book: Spreadsheet, lookup: JsonDict) -> Place | None:
    """Refuse the combinations DeveloperMetadataLookup documents as invalid; returns the
    parsed metadataLocation, if any."""
    fields = [k for k, v in lookup.items() if v is not None]
    if not fields:
        # The docs say "any field or combination of fields may be specified" and are
        # silent on none; a lookup that matches everything is almost certainly a bug.
        raise bad_request("A developerMetadataLookup must specify at least one field.")
    strategy = lookup.get("locationMatchingStrategy")
    location = lookup.get("metadataLocation")
    if strategy and location is None:
        raise bad_request(
            "A locationMatchingStrategy requires a metadataLocation in the developer "
            "metadata lookup."
        )
    place = place_of(book, location, single=False) if location is not None else None
    kind = lookup.get("locationType")
    exact = strategy == "EXACT_LOCATION"
    if kind and exact:
        raise bad_request(
            "locationType must be left unspecified when locationMatchingStrategy is EXACT_LOCATION."
        )
    if kind == "SPREADSHEET" and place is not None and (place.kind != "SPREADSHEET" or not exact):
        raise bad_request(
            "locationType cannot be SPREADSHEET with an intersecting or non-spreadsheet "
            "metadataLocation."
        )
    return place


def lookup_matches(book: Spreadsheet, lookup: JsonDict) -> list[Found]:
    """Metadata matching every field the lookup sets (the intersection of them)."""
    place = check_lookup(book, lookup)
    exact = lookup.get("locationMatchingStrategy") == "EXACT_LOCATION"
    out = []
    for found in everything(book):
        entry = found.entry
        if "metadataId" in lookup and int(lookup["metadataId"]) != found.metadata_id:
            continue
        if lookup.get("metadataKey") is not None and lookup["metadataKey"] != entry["metadataKey"]:
            continue
        value = lookup.get("metadataValue")
        if value is not None and value != entry.get("metadataValue", ""):
            continue
        visibility = lookup.get("visibility")
        if visibility not in (None, "DEVELOPER_METADATA_VISIBILITY_UNSPECIFIED") and (
            visibility != entry["visibility"]
        ):
            continue
        kind = lookup.get("locationType")
        if (
            kind not in (None, "DEVELOPER_METADATA_LOCATION_TYPE_UNSPECIFIED")
            and kind != found.kind
        ):
            continue
        if place is not None and not (place.holds(found) if exact else place.touches(found)):
            continue
        out.append(found)
    return out


def check_filter(data_filter: JsonDict) -> str:
    """The one union member a DataFilter sets (the validator refuses two)."""
    given = [k for k in ("developerMetadataLookup", "a1Range", "gridRange") if data_filter.get(k)]
    if len(given) != 1:
        raise bad_request(
            "A DataFilter must set one of developerMetadataLookup, a1Range, gridRange."
        )
    return given[0]


def filter_grids(book: Spreadsheet, data_filter: JsonDict, for_write: bool = False) -> list[Grid]:
    """The cell ranges a DataFilter selects: the A1 or grid range itself, or the whole
    row, column or sheet of every metadata entry the lookup matches (possibly none)."""
    kind = check_filter(data_filter)
    if kind == "a1Range":
        return [resolve(book, str(data_filter["a1Range"]), for_write)]
    if kind == "gridRange":
        return [grid_of(book, data_filter["gridRange"])]
    grids: list[Grid] = []
    for found in lookup_matches(book, data_filter["developerMetadataLookup"]):
        grids.extend(found.grids(book))
    return grids


def grid_of(book: Spreadsheet, rng: JsonDict) -> Grid:
    """A GridRange closed against its sheet (unbounded sides run to the edge)."""
    sheet = _sheet(book, rng.get("sheetId", 0))
    grid = Grid(
        sheet,
        int(rng.get("startRowIndex", 0)),
        int(rng.get("endRowIndex", sheet.row_count)),
        int(rng.get("startColumnIndex", 0)),
        int(rng.get("endColumnIndex", sheet.col_count)),
    )
    if not (0 <= grid.start_row <= grid.end_row <= sheet.row_count) or not (
        0 <= grid.start_col <= grid.end_col <= sheet.col_count
    ):
        raise bad_request(f"Invalid gridRange: {rng} is outside the grid of '{sheet.title}'.")
    return grid


def filter_metadata(book: Spreadsheet, data_filter: JsonDict) -> list[Found]:
    """Metadata a DataFilter selects (``search``, ``update``, ``delete``): a lookup's
    matches, or for a range "all developer metadata associated with locations
    intersecting that region" (``developerMetadata.search``)."""
    kind = check_filter(data_filter)
    if kind == "developerMetadataLookup":
        return lookup_matches(book, data_filter[kind])
    grid = filter_grids(book, data_filter)[0]
    return [f for f in everything(book) if _meets(f, grid)]


def _meets(found: Found, grid: Grid) -> bool:
    if found.kind == "SPREADSHEET" or found.sheet is not grid.sheet:
        return False
    index = int(found.index or 0)
    if found.kind == "ROW":
        return grid.start_row <= index < grid.end_row
    if found.kind == "COLUMN":
        return grid.start_col <= index < grid.end_col
    return True


# --- create, update, delete -------------------------------------------------------------


def new_id(book: Spreadsheet) -> int:
    """Google assigns random positive ids; a deterministic, never-reused sequence keeps
    tests stable while looking as arbitrary."""
    taken = {f.metadata_id for f in everything(book)}
    while True:
        book.metadata_serial += 1
        candidate = (book.metadata_serial * 1_000_003 + 7_919) % MAX_ID + 1
        if candidate not in taken:
            return candidate


def check_entry(book: Spreadsheet, entry: JsonDict, own: Found | None = None) -> None:
    """What DeveloperMetadata requires: a key, a visibility, a positive unique id."""
    if not entry.get("metadataKey"):
        raise bad_request("Developer metadata must always have a key specified.")
    if entry.get("visibility") not in VISIBILITIES:
        raise bad_request("Developer metadata must always have visibility specified.")
    metadata_id = int(entry["metadataId"])
    if not 0 < metadata_id <= MAX_ID:
        raise bad_request(f"Developer metadata id must be positive: {metadata_id}")
    clash = by_id(book, metadata_id)
    if clash is not None and (own is None or clash.entry is not own.entry):
        raise bad_request(f"Developer metadata with id {metadata_id} already exists.")


def attach(book: Spreadsheet, entry: JsonDict, place: Place) -> Found:
    """Store ``entry`` (no location inside) at ``place``."""
    if place.kind == "SPREADSHEET" or place.sheet is None:
        book.extras.setdefault(KEY, []).append(entry)
        return Found(entry, "SPREADSHEET")
    if place.kind == "SHEET":
        place.sheet.extras.setdefault(KEY, []).append(entry)
        return Found(entry, "SHEET", place.sheet)
    meta = place.sheet.row_meta if place.kind == "ROW" else place.sheet.col_meta
    meta.setdefault(place.start, {}).setdefault(KEY, []).append(entry)
    return Found(entry, place.kind, place.sheet, place.start)


def check_budget(book: Spreadsheet) -> None:
    """Keys plus values may not exceed :data:`MAX_CHARACTERS` per spreadsheet or sheet
    (row and column metadata count towards their sheet)."""
    totals: dict[int | None, int] = {}
    for found in everything(book):
        owner = found.sheet.sheet_id if found.sheet is not None else None
        size = len(found.entry["metadataKey"]) + len(found.entry.get("metadataValue", ""))
        totals[owner] = totals.get(owner, 0) + size
    for owner, total in totals.items():
        if total > MAX_CHARACTERS:
            where = "the spreadsheet" if owner is None else f"sheet {owner}"
            raise bad_request(
                f"Developer metadata on {where} would be {total} characters, over the "
                f"limit of {MAX_CHARACTERS}."
            )


def stored_entry(given: JsonDict, metadata_id: int) -> JsonDict:
    """The stored form: id, key, value (when not empty) and visibility; no location."""
    entry: JsonDict = {
        "metadataId": metadata_id,
        "metadataKey": given.get("metadataKey") or "",
        "visibility": given.get("visibility"),
    }
    if given.get("metadataValue"):
        entry["metadataValue"] = str(given["metadataValue"])
    return entry


def create(book: Spreadsheet, given: JsonDict) -> JsonDict:
    """``createDeveloperMetadata``; returns the created resource."""
    if given.get("location") is None:
        raise bad_request("Developer metadata must have a location.")
    place = place_of(book, given["location"], single=True)
    metadata_id = int(given["metadataId"]) if given.get("metadataId") is not None else new_id(book)
    entry = stored_entry(given, metadata_id)
    check_entry(book, entry)
    found = attach(book, entry, place)
    check_budget(book)
    return found.full()


UPDATABLE = ("metadataKey", "metadataValue", "visibility", "location")


def update(
    book: Spreadsheet, matched: list[Found], given: JsonDict, fields: list[str]
) -> list[JsonDict]:
    """``updateDeveloperMetadata``: the masked fields of ``given`` onto every match."""
    if "metadataId" in fields:
        # Ids identify metadata; several matches cannot all take one id, and the docs
        # list no use for renumbering one. The fake refuses it.
        raise bad_request("metadataId cannot be updated.")
    place = place_of(book, given["location"], single=True) if "location" in fields else None
    out = []
    for found in matched:
        entry = found.entry
        for key in ("metadataKey", "metadataValue", "visibility"):
            if key in fields:
                if given.get(key):
                    entry[key] = given[key]
                else:
                    entry.pop(key, None)
        if "metadataKey" not in entry:
            entry["metadataKey"] = ""
        check_entry(book, entry, found)
        if place is not None:
            found.remove(book)
            found = attach(book, entry, place)
        out.append(found.full())
    check_budget(book)
    return out


def update_fields(text: Any) -> list[str]:
    """The ``fields`` of an update: top-level DeveloperMetadata fields, or ``*``."""
    if not isinstance(text, str) or not text.strip():
        raise bad_request("At least one field must be specified in 'fields'.")
    if text.strip() == "*":
        return list(UPDATABLE)
    fields = [part.strip().split(".")[0] for part in text.split(",")]
    for name in fields:
        if name not in (*UPDATABLE, "metadataId"):
            raise bad_request(f"Invalid field mask '{text}': no field '{name}'")
    return fields


def delete(book: Spreadsheet, matched: list[Found]) -> list[JsonDict]:
    out = []
    for found in matched:
        out.append(found.full())
        found.remove(book)
    return out


def get_one(book: Spreadsheet, metadata_id: str) -> JsonDict:
    """``developerMetadata.get``: 404 when there is no such id."""
    try:
        wanted = int(metadata_id)
    except ValueError:
        raise bad_request(
            f"Invalid value at 'metadata_id' (TYPE_INT32), \"{metadata_id}\""
        ) from None
    found = by_id(book, wanted)
    if found is None:
        raise ApiError(404, f"No developer metadata with id {wanted}.")
    return found.full()


def search(book: Spreadsheet, data_filters: list[JsonDict]) -> JsonDict:
    """``developerMetadata.search``: each match once, with every filter that matched it."""
    hits: dict[int, tuple[Found, list[JsonDict]]] = {}
    for data_filter in data_filters:
        for found in filter_metadata(book, data_filter):
            hits.setdefault(id(found.entry), (found, []))[1].append(json_copy(data_filter))
    order = {id(f.entry): i for i, f in enumerate(everything(book))}
    matched = [
        {"developerMetadata": found.full(), "dataFilters": filters}
        for found, filters in sorted(hits.values(), key=lambda h: order[id(h[0].entry)])
    ]
    return {"matchedDeveloperMetadata": matched} if matched else {}


def move_with_rows(sheet: Sheet, rows: bool, new_of_old: dict[int, int]) -> None:
    """Carry row (or column) metadata to new indices, e.g. when a sort reorders rows."""
    meta = sheet.row_meta if rows else sheet.col_meta
    carried = {old: meta[old].pop(KEY) for old in new_of_old if KEY in meta.get(old, {})}
    for old in carried:
        if not meta[old]:
            del meta[old]
    for old, entries in carried.items():
        meta.setdefault(new_of_old[old], {})[KEY] = entries
