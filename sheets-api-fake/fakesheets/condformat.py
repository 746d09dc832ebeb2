"""Conditional format rules: stored per sheet in ``sheets[].conditionalFormats``, kept in
step with inserted and deleted rows and columns, and evaluated for a small formula
subset so that a test can see the colour a cell would show.

What Google documents (``AddConditionalFormatRuleRequest`` and its siblings, the
``ConditionalFormatRule`` schema, and the "Conditional formatting" samples page): rules
have an order and are inserted at an index, later indexes shift; all ranges of a rule
are on one grid; a boolean rule's format can only set bold, italic, strikethrough,
foreground colour and background colour; a CUSTOM_FORMULA is written relative to the
top-left cell of the range. The fake is not a spreadsheet engine: the evaluator covers
the shapes sheets-keepup writes and raises :class:`UnsupportedFormula` on anything else.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .a1 import col_to_index, index_to_col
from .errors import ApiError, bad_request
from .model import Sheet, Spreadsheet, normalize_format
from .values import JsonDict, date_to_serial, json_copy, parse_user_entered

KEY = "conditionalFormats"
# CellFormat fields a boolean rule may set (BooleanRule.format).
_FORMAT_FIELDS = {"backgroundColor", "backgroundColorStyle", "textFormat"}
_TEXT_FIELDS = {"bold", "italic", "strikethrough", "foregroundColor", "foregroundColorStyle"}


class UnsupportedFormula(ValueError):
    """A formula or condition outside the subset :func:`shown_format` evaluates."""


# --- batchUpdate handlers ---------------------------------------------------------------

Fail = Callable[[str], ApiError]


def rules_of(sheet: Sheet) -> list[JsonDict]:
    rules: list[JsonDict] = sheet.extras.get(KEY, [])
    return rules


def _set_rules(sheet: Sheet, rules: list[JsonDict]) -> None:
    if rules:
        sheet.extras[KEY] = rules
    else:
        sheet.extras.pop(KEY, None)  # Google omits an empty list


def checked_rule(book: Spreadsheet, rule: Any, fail: Fail) -> tuple[Sheet, JsonDict]:
    """Validate a ConditionalFormatRule; returns its sheet and the rule as stored."""
    if not isinstance(rule, dict):
        raise fail("rule must be set.")
    ranges = rule.get("ranges") or []
    if not ranges:
        raise fail("A conditional format rule must have at least one range.")
    sheet_ids = {int(r.get("sheetId", 0) or 0) for r in ranges}
    if len(sheet_ids) != 1:
        raise fail("All the ranges of a conditional format rule must be on the same grid.")
    sheet = book.sheet_by_id(sheet_ids.pop())
    if sheet is None:
        raise fail(f"No grid with id: {int(ranges[0].get('sheetId', 0) or 0)}")
    for rng in ranges:
        _check_range(sheet, rng, fail)
    boolean, gradient = rule.get("booleanRule"), rule.get("gradientRule")
    if (boolean is None) == (gradient is None):
        raise fail("Exactly one of booleanRule or gradientRule must be set.")
    stored: JsonDict = {"ranges": [_stored_range(r) for r in ranges]}
    if boolean is not None:
        stored["booleanRule"] = _checked_boolean(boolean, fail)
    else:
        stored["gradientRule"] = json_copy(gradient)
    return sheet, stored


def _check_range(sheet: Sheet, rng: JsonDict, fail: Fail) -> None:
    bounds = (
        ("startRowIndex", "endRowIndex", sheet.row_count),
        ("startColumnIndex", "endColumnIndex", sheet.col_count),
    )
    for start_key, end_key, size in bounds:
        start, end = int(rng.get(start_key, 0)), int(rng.get(end_key, size))
        if start < 0 or end < start or end > size:
            raise fail(f"Range {rng} is outside the grid of '{sheet.title}'.")


def _stored_range(rng: JsonDict) -> JsonDict:
    """A GridRange as Google echoes it: given keys only, a zero sheetId left out."""
    return {k: int(v) for k, v in rng.items() if v is not None and not (k == "sheetId" and not v)}


def _checked_boolean(boolean: JsonDict, fail: Fail) -> JsonDict:
    condition = boolean.get("condition") or {}
    kind = condition.get("type")
    if kind in (None, "CONDITION_TYPE_UNSPECIFIED"):
        raise fail("A boolean rule's condition must have a type.")
    values = condition.get("values") or []
    if kind == "CUSTOM_FORMULA":
        text = str((values[0] if len(values) == 1 else {}).get("userEnteredValue", ""))
        if len(values) != 1 or not text.startswith(("=", "+")):
            raise fail("CUSTOM_FORMULA takes exactly one value, a formula starting with '='.")
    fmt = boolean.get("format") or {}
    extra = set(fmt) - _FORMAT_FIELDS or set(fmt.get("textFormat") or {}) - _TEXT_FIELDS
    if extra:
        # BooleanRule.format: "Conditional formatting can only apply a subset of
        # formatting: bold, italic, strikethrough, foreground color and, background color."
        raise fail(f"Conditional formatting cannot apply {sorted(extra)[0]}.")
    out: JsonDict = {"condition": json_copy(condition)}
    if fmt:
        out["format"] = normalize_format(fmt)
    return out


def add_rule(book: Spreadsheet, body: JsonDict, fail: Fail) -> JsonDict:
    """``addConditionalFormatRule``: insert at ``index``; later rules move down."""
    sheet, rule = checked_rule(book, body.get("rule"), fail)
    rules = list(rules_of(sheet))
    index = int(body.get("index", 0) or 0)
    if not 0 <= index <= len(rules):
        raise fail(f"index {index} is out of range (the sheet has {len(rules)} rules).")
    rules.insert(index, rule)
    _set_rules(sheet, rules)
    return {}


def update_rule(book: Spreadsheet, body: JsonDict, fail: Fail) -> JsonDict:
    """``updateConditionalFormatRule``: replace the rule at ``index`` with ``rule``, or
    move it to ``newIndex`` (``sheetId`` names the sheet for a move)."""
    index = int(body.get("index", 0) or 0)
    if (body.get("rule") is None) == (body.get("newIndex") is None):
        raise fail("Exactly one of rule or newIndex must be set.")
    if body.get("rule") is not None:
        sheet, rule = checked_rule(book, body["rule"], fail)
        rules = list(rules_of(sheet))
        _check_index(rules, index, fail)
        old = rules[index]
        rules[index] = rule
        _set_rules(sheet, rules)
        reply = {"newIndex": index, "newRule": json_copy(rule), "oldRule": old}
        return {"updateConditionalFormatRule": reply}
    sheet = _sheet(book, body.get("sheetId"), fail)
    rules = list(rules_of(sheet))
    _check_index(rules, index, fail)
    new_index = int(body["newIndex"])
    _check_index(rules, new_index, fail)
    rule = rules.pop(index)
    rules.insert(new_index, rule)
    _set_rules(sheet, rules)
    reply = {"newIndex": new_index, "newRule": json_copy(rule), "oldIndex": index}
    return {"updateConditionalFormatRule": reply}


def delete_rule(book: Spreadsheet, body: JsonDict, fail: Fail) -> JsonDict:
    """``deleteConditionalFormatRule``: later rules move up; the reply holds the rule."""
    sheet = _sheet(book, body.get("sheetId"), fail)
    rules = list(rules_of(sheet))
    index = int(body.get("index", 0) or 0)
    _check_index(rules, index, fail)
    rule = rules.pop(index)
    _set_rules(sheet, rules)
    return {"deleteConditionalFormatRule": {"rule": rule}}


def _sheet(book: Spreadsheet, sheet_id: Any, fail: Fail) -> Sheet:
    sheet = book.sheet_by_id(int(sheet_id or 0))
    if sheet is None:
        raise fail(f"No grid with id: {int(sheet_id or 0)}")
    return sheet


def _check_index(rules: list[JsonDict], index: int, fail: Fail) -> None:
    if not 0 <= index < len(rules):
        raise fail(f"No conditional format on sheet at index {index}.")


# --- inserted and deleted rows and columns ----------------------------------------------

_REF = re.compile(r"(?<![A-Za-z0-9_])(\$?)([A-Za-z]{1,3})(\$?)([0-9]+)(?![0-9A-Za-z_(])")
_STRING = re.compile(r'"(?:[^"]|"")*"')


def shift_rules(
    sheet: Sheet,
    rows: bool,
    moved: Callable[[int], int | None],
    shift_ranges: Callable[[list[JsonDict]], list[Any]],
) -> None:
    """Ranges grow, shrink or move as Sheets moves them. In a custom formula, a relative
    reference is relative to the top-left cell of the rule's first range (it means
    "this row" for `$L2` in a rule starting on row 2), so it keeps its distance to that
    cell wherever the range now starts; an absolute one follows the cell it names (one
    in a deleted row or column becomes ``#REF!``). A rule whose every range was deleted
    goes with them (the docs are silent; Sheets' UI drops it too)."""
    kept = []
    for rule in rules_of(sheet):
        before = _top_left(rule["ranges"])
        ranges = [r for r in shift_ranges(rule["ranges"]) if r is not None]
        if not ranges:
            continue
        after = _top_left(ranges)
        rule = {**rule, "ranges": ranges}
        condition = (rule.get("booleanRule") or {}).get("condition") or {}
        offset = (after[0] - before[0]) if rows else (after[1] - before[1])
        for value in condition.get("values") or []:
            text = value.get("userEnteredValue")
            if isinstance(text, str) and text.startswith("="):
                value["userEnteredValue"] = shift_formula(text, rows, moved, offset)
        kept.append(rule)
    _set_rules(sheet, kept)


def _top_left(ranges: list[JsonDict]) -> tuple[int, int]:
    first = ranges[0] if ranges else {}
    return int(first.get("startRowIndex", 0)), int(first.get("startColumnIndex", 0))


def shift_formula(
    formula: str, rows: bool, moved: Callable[[int], int | None], relative: int | None = None
) -> str:
    """Rewrite A1 references outside string literals after a row or column shift.

    With `relative` (a conditional format's formula), references that are relative in
    the shifted dimension move by that much, the distance the rule's anchor moved.
    """

    def one(match: re.Match[str]) -> str:
        col_abs, letters, row_abs, digits = match.groups()
        row, col = int(digits) - 1, col_to_index(letters)
        is_relative = not (row_abs if rows else col_abs)
        if relative is not None and is_relative:
            new: int | None = (row if rows else col) + relative
        else:
            new = moved(row if rows else col)
        if new is None or new < 0:
            return "#REF!"
        if rows:
            return f"{col_abs}{letters}{row_abs}{new + 1}"
        return f"{col_abs}{index_to_col(new)}{row_abs}{digits}"

    out, last = [], 0
    for string in _STRING.finditer(formula):
        out.append(_REF.sub(one, formula[last : string.start()]))
        out.append(string.group())
        last = string.end()
    out.append(_REF.sub(one, formula[last:]))
    return "".join(out)


# --- what a cell shows ------------------------------------------------------------------


def shown_format(book: Spreadsheet, sheet: Sheet, row: int, col: int, today: dt.date) -> JsonDict:
    """The cell's own format with the first matching rule's format over it (0-based
    ``row`` and ``col``). Rules are tried in order and only the first that matches
    applies, as in Sheets."""
    stored = sheet.cells.get((row, col)) or {}
    fmt = _layer(book.properties.get("defaultFormat", {}), stored.get("userEnteredFormat") or {})
    matched = None
    for index, rule in enumerate(rules_of(sheet)):
        anchor = _anchor(rule, row, col)
        if anchor is None:
            continue
        if "gradientRule" in rule:
            raise UnsupportedFormula("gradient rules are not evaluated by the fake")
        if _holds(book, sheet, rule["booleanRule"]["condition"], (row, col), anchor, today):
            fmt = _layer(fmt, rule["booleanRule"].get("format") or {})
            matched = index
            break
    fmt = normalize_format(fmt)
    text = fmt.get("textFormat") or {}
    return {
        "backgroundColor": fmt.get("backgroundColor"),
        "foregroundColor": text.get("foregroundColor"),
        "bold": bool(text.get("bold")),
        "italic": bool(text.get("italic")),
        "strikethrough": bool(text.get("strikethrough")),
        "rule": matched,
    }


def _layer(base: JsonDict, top: JsonDict) -> JsonDict:
    """``top`` over ``base``: text formats merge field by field, but a colour is replaced
    whole (a fill of ``{"blue": 1}`` over white is blue, not white)."""
    out = json_copy(base)
    for key, value in top.items():
        if key == "textFormat" and isinstance(value, dict):
            out[key] = {**(out.get(key) or {}), **json_copy(value)}
        else:
            out[key] = json_copy(value)
    return out


def _anchor(rule: JsonDict, row: int, col: int) -> tuple[int, int] | None:
    """Top-left cell of the rule's first range when the cell is in any of its ranges;
    relative references are relative to it (with several ranges Sheets anchors them on
    the first one, as the UI shows a single formula for all)."""
    ranges = rule["ranges"]
    for rng in ranges:
        if int(rng.get("startRowIndex", 0)) <= row < int(rng.get("endRowIndex", 1 << 30)) and int(
            rng.get("startColumnIndex", 0)
        ) <= col < int(rng.get("endColumnIndex", 1 << 30)):
            first = ranges[0]
            return int(first.get("startRowIndex", 0)), int(first.get("startColumnIndex", 0))
    return None


Value = float | str | bool | None  # None is a blank cell


def _holds(
    book: Spreadsheet,
    sheet: Sheet,
    condition: JsonDict,
    cell: tuple[int, int],
    anchor: tuple[int, int],
    today: dt.date,
) -> bool:
    kind = str(condition.get("type"))
    texts = [str(v.get("userEnteredValue", "")) for v in condition.get("values") or []]
    if any("relativeDate" in v for v in condition.get("values") or []):
        raise UnsupportedFormula(f"relative dates in {kind} conditions are not evaluated")
    if kind == "CUSTOM_FORMULA":
        evaluator = _Formula(book, sheet, cell, anchor, today)
        try:
            return _truthy(evaluator.run(texts[0]))
        except _CellError:
            return False  # a formula that errors does not apply its format
    value = _cell_value(book, sheet, *cell)
    test = _SIMPLE.get(kind)
    if test is None:
        raise UnsupportedFormula(f"condition type {kind} is not evaluated by the fake")
    return test(value, [_literal(t, book.locale) for t in texts])


def _literal(text: str, locale: str) -> Value:
    if text.startswith("="):
        raise UnsupportedFormula(f"formula condition values are not evaluated: {text}")
    entered, _fmt = parse_user_entered(text, locale)
    if "numberValue" in entered:
        return float(entered["numberValue"])
    if "boolValue" in entered:
        return bool(entered["boolValue"])
    return str(entered.get("stringValue", text))


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value


def _num(value: Value) -> float | None:
    return value if isinstance(value, float) else None


def _cmp_num(op: Callable[[float, float], bool]) -> Callable[[Value, list[Value]], bool]:
    def test(value: Value, args: list[Value]) -> bool:
        a, b = _num(value), _num(args[0]) if args else None
        return a is not None and b is not None and op(a, b)

    return test


def _between(value: Value, args: list[Value]) -> bool:
    a, low, high = _num(value), _num(args[0]), _num(args[1])
    return a is not None and low is not None and high is not None and low <= a <= high


_SIMPLE: dict[str, Callable[[Value, list[Value]], bool]] = {
    "BLANK": lambda v, a: v is None or v == "",
    "NOT_BLANK": lambda v, a: not (v is None or v == ""),
    "TEXT_EQ": lambda v, a: _text(v).lower() == _text(a[0]).lower(),
    "TEXT_NOT_EQ": lambda v, a: _text(v).lower() != _text(a[0]).lower(),
    "TEXT_CONTAINS": lambda v, a: _text(a[0]).lower() in _text(v).lower(),
    "TEXT_NOT_CONTAINS": lambda v, a: _text(a[0]).lower() not in _text(v).lower(),
    "TEXT_STARTS_WITH": lambda v, a: _text(v).lower().startswith(_text(a[0]).lower()),
    "TEXT_ENDS_WITH": lambda v, a: _text(v).lower().endswith(_text(a[0]).lower()),
    "NUMBER_GREATER": _cmp_num(lambda x, y: x > y),
    "NUMBER_GREATER_THAN_EQ": _cmp_num(lambda x, y: x >= y),
    "NUMBER_LESS": _cmp_num(lambda x, y: x < y),
    "NUMBER_LESS_THAN_EQ": _cmp_num(lambda x, y: x <= y),
    "NUMBER_EQ": _cmp_num(lambda x, y: x == y),
    "NUMBER_NOT_EQ": _cmp_num(lambda x, y: x != y),
    "NUMBER_BETWEEN": _between,
    "NUMBER_NOT_BETWEEN": lambda v, a: _num(v) is not None and not _between(v, a),
}


def _cell_value(book: Spreadsheet, sheet: Sheet, row: int, col: int) -> Value:
    effective = book.effective_value(sheet, row, col)
    if "errorValue" in effective:
        raise _CellError()
    if "numberValue" in effective:
        return float(effective["numberValue"])
    if "boolValue" in effective:
        return bool(effective["boolValue"])
    if "stringValue" in effective:
        return str(effective["stringValue"])
    return None


class _CellError(Exception):
    """A Sheets error value (#VALUE!, #REF!...) met while evaluating."""


def _truthy(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value != 0
    return False  # blank or text: Sheets does not apply the format


_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>"(?:[^"]|"")*")
  | (?P<ref>\$?[A-Za-z]{1,3}\$?[0-9]+(?![0-9A-Za-z_(]))
  | (?P<number>[0-9]+(?:\.[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op><=|>=|<>|[=<>+\-*/&(),])
  | (?P<bad>[^\s]))""",
    re.VERBOSE,
)


@dataclass
class _Formula:
    """A recursive-descent evaluator for the formula subset (see the module docstring)."""

    book: Spreadsheet
    sheet: Sheet
    cell: tuple[int, int]
    anchor: tuple[int, int]
    today: dt.date

    def run(self, formula: str) -> Value:
        self.tokens = self._tokens(formula.lstrip("=+"))
        self.pos = 0
        value = self._compare()
        if self.pos != len(self.tokens):
            raise UnsupportedFormula(f"cannot evaluate {formula!r}")
        return value

    @staticmethod
    def _tokens(text: str) -> list[tuple[str, str]]:
        out = []
        for match in _TOKEN.finditer(text):
            kind = match.lastgroup or "bad"
            if kind == "bad":
                raise UnsupportedFormula(f"unexpected {match.group(kind)!r} in {text!r}")
            out.append((kind, match.group(kind)))
        return out

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def _take(self, text: str) -> None:
        if self._peek()[1] != text:
            raise UnsupportedFormula(f"expected {text!r}")
        self.pos += 1

    def _compare(self) -> Value:
        left = self._concat()
        op = self._peek()[1]
        if op in ("=", "<>", "<", ">", "<=", ">="):
            self.pos += 1
            return _compare(op, left, self._concat())
        return left

    def _concat(self) -> Value:
        value = self._additive()
        while self._peek()[1] == "&":
            self.pos += 1
            value = _text(value) + _text(self._additive())
        return value

    def _additive(self) -> Value:
        value = self._term()
        while self._peek()[1] in ("+", "-"):
            op = self._peek()[1]
            self.pos += 1
            right = _arith(self._term())
            value = _arith(value) + right if op == "+" else _arith(value) - right
        return value

    def _term(self) -> Value:
        value = self._unary()
        while self._peek()[1] in ("*", "/"):
            op = self._peek()[1]
            self.pos += 1
            right = _arith(self._unary())
            if op == "/" and right == 0:
                raise _CellError()
            value = _arith(value) * right if op == "*" else _arith(value) / right
        return value

    def _unary(self) -> Value:
        if self._peek()[1] == "-":
            self.pos += 1
            return -_arith(self._unary())
        return self._primary()

    def _primary(self) -> Value:
        kind, text = self._peek()
        self.pos += 1
        if kind == "string":
            return text[1:-1].replace('""', '"')
        if kind == "number":
            return float(text)
        if kind == "ref":
            return self._ref(text)
        if kind == "op" and text == "(":
            value = self._compare()
            self._take(")")
            return value
        if kind == "name" and text.upper() in ("TRUE", "FALSE") and self._peek()[1] != "(":
            return text.upper() == "TRUE"
        if kind == "name" and self._peek()[1] == "(":
            return self._call(text.upper())
        raise UnsupportedFormula(f"cannot evaluate {text!r}")

    def _ref(self, text: str) -> Value:
        match = _REF.fullmatch(text)
        assert match is not None  # the tokenizer only yields references that match
        col_abs, letters, row_abs, digits = match.groups()
        row, col = int(digits) - 1, col_to_index(letters)
        if not row_abs:
            row += self.cell[0] - self.anchor[0]
        if not col_abs:
            col += self.cell[1] - self.anchor[1]
        if row < 0 or col < 0:
            raise _CellError()
        return _cell_value(self.book, self.sheet, row, col)

    def _args(self) -> list[Value]:
        self._take("(")
        args: list[Value] = []
        if self._peek()[1] == ")":
            self.pos += 1
            return args
        while True:
            args.append(self._compare())
            if self._peek()[1] == ",":
                self.pos += 1
                continue
            self._take(")")
            return args

    def _call(self, name: str) -> Value:
        function = _FUNCTIONS.get(name)
        if function is None:
            raise UnsupportedFormula(f"function {name} is not evaluated by the fake")
        args = self._args()
        if name == "TODAY":
            return date_to_serial(self.today)
        return function(args)


def _arith(value: Value) -> float:
    """Operands of arithmetic: blank is 0, TRUE is 1, numeric-looking text is #VALUE!."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    raise _CellError()


def _rank(value: Value) -> tuple[int, Any]:
    """Sheets' comparison order: numbers < text (case-insensitive) < booleans."""
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, float):
        return (0, value)
    return (1, str(value).lower())


def _compare(op: str, left: Value, right: Value) -> bool:
    # A blank cell compares as 0 with a number, "" with text and FALSE with a boolean.
    if left is None:
        left = _blank_like(right)
    if right is None:
        right = _blank_like(left)
    a, b = _rank(left), _rank(right)
    results = {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}
    return results[op]


def _blank_like(other: Value) -> Value:
    if isinstance(other, bool):
        return False
    if isinstance(other, float):
        return 0.0
    return ""


def _n(args: Sequence[Value]) -> Value:
    value = args[0] if args else None
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    return value if isinstance(value, float) else 0.0


def _left(args: Sequence[Value]) -> Value:
    count = int(_arith(args[1])) if len(args) > 1 else 1
    return _text(args[0] if args else None)[: max(count, 0)]


def _if(args: Sequence[Value]) -> Value:
    if len(args) < 2:
        raise UnsupportedFormula("IF needs a condition and a value")
    if _truthy(args[0]):
        return args[1]
    return args[2] if len(args) > 2 else False


_FUNCTIONS: dict[str, Callable[[Sequence[Value]], Value]] = {
    "AND": lambda args: all(_truthy(a) for a in args),
    "OR": lambda args: any(_truthy(a) for a in args),
    "NOT": lambda args: not _truthy(args[0] if args else None),
    "N": _n,
    "LEFT": _left,
    "LEN": lambda args: float(len(_text(args[0] if args else None))),
    "LOWER": lambda args: _text(args[0] if args else None).lower(),
    "UPPER": lambda args: _text(args[0] if args else None).upper(),
    "TRIM": lambda args: " ".join(_text(args[0] if args else None).split()),
    "ISNUMBER": lambda args: bool(args) and isinstance(args[0], float),
    "ISBLANK": lambda args: bool(args) and args[0] is None,
    "IF": _if,
    "TODAY": lambda args: None,  # evaluated by the caller, which knows "today"
}


def fail_with(prefix: str) -> Fail:
    """An error factory for use outside a batchUpdate context."""
    return lambda message: bad_request(f"{prefix}{message}")
