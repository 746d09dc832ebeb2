"""Cell values: what USER_ENTERED input turns into, and how values are rendered back."""

from __future__ import annotations

import ast
import datetime as dt
import marshal
import math
import operator
import re
from collections.abc import Callable
from typing import Any, TypeVar, cast

from .a1 import col_to_index

EPOCH = dt.date(1899, 12, 30)  # Sheets' day zero: serial numbers count days from here.
JsonDict = dict[str, Any]
_T = TypeVar("_T")

_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_ISO_DATETIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_PERCENT = re.compile(r"^([+-]?\d+(?:\.(\d+))?)%$")
# Locales whose short dates put the month first (3/4/21 is 4 March there, 3 April elsewhere).
_MONTH_FIRST_LOCALES = ("en_US", "en_PH", "es_US", "en_CA")


def json_copy(value: _T) -> _T:
    """Deep copy of plain JSON data, made in C by marshal (format 2 keeps no shared
    references, so the copy shares no object with itself or the original)."""
    if isinstance(value, dict | list):
        try:
            copied: _T = marshal.loads(marshal.dumps(cast(Any, value), 2))
        except ValueError:  # not plain data after all
            return _json_copy(value)
        return copied
    return value


def _json_copy(value: _T) -> _T:
    if isinstance(value, dict):
        return cast(_T, {k: _json_copy(v) for k, v in value.items()})
    if isinstance(value, list):
        return cast(_T, [_json_copy(v) for v in value])
    return value


def date_to_serial(value: dt.date | dt.datetime) -> float:
    """Date (or datetime) to a Sheets serial number."""
    if isinstance(value, dt.datetime):
        delta = value - dt.datetime(1899, 12, 30, tzinfo=value.tzinfo)
        return delta.days + delta.seconds / 86400
    return float((value - EPOCH).days)


def serial_to_datetime(serial: float) -> dt.datetime:
    """Sheets serial number to a naive datetime."""
    return dt.datetime(1899, 12, 30) + dt.timedelta(days=serial)


def json_number(x: float) -> int | float:
    """Google writes integral numbers without a fraction (``43831`` not ``43831.0``)."""
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return int(x)
    return x


def parse_user_entered(text: str, locale: str) -> tuple[JsonDict, JsonDict | None]:
    """Interpret typed text the way the Sheets UI would.

    Returns the ExtendedValue to store and, when the text implies one (a date, a
    percentage), the numberFormat Sheets would set on the cell.
    """
    stripped = text.strip()
    if text.startswith("'"):
        return {"stringValue": text[1:]}, None
    if text.startswith("=") and len(text) > 1:
        return {"formulaValue": text}, None
    if stripped.upper() in ("TRUE", "FALSE"):
        return {"boolValue": stripped.upper() == "TRUE"}, None
    if stripped and _NUMBER.match(stripped) and any(ch.isdigit() for ch in stripped):
        number = float(stripped.replace(",", ""))
        decimals = len(stripped.split(".", 1)[1]) if "." in stripped else 0
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        fmt = {"type": "NUMBER", "pattern": pattern} if "," in stripped else None
        return {"numberValue": json_number(number)}, fmt
    percent = _PERCENT.match(stripped)
    if percent:
        decimals = len(percent.group(2) or "")
        pattern = "0%" if decimals == 0 else "0." + "0" * decimals + "%"
        value = float(percent.group(1)) / 100
        return {"numberValue": json_number(round(value, 12))}, {
            "type": "PERCENT",
            "pattern": pattern,
        }
    parsed = _parse_date_time(stripped, locale)
    if parsed is not None:
        return {"numberValue": json_number(parsed[0])}, parsed[1]
    return {"stringValue": text}, None


def _parse_date_time(text: str, locale: str) -> tuple[float, JsonDict] | None:
    """Dates and times typed as text; ``None`` when the text is not one."""
    try:
        m = _ISO_DATE.match(text)
        if m:
            day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return date_to_serial(day), {"type": "DATE", "pattern": "yyyy-mm-dd"}
        m = _ISO_DATETIME.match(text)
        if m:
            stamp = dt.datetime(
                int(m.group(1)), int(m.group(2)), int(m.group(3)),
                int(m.group(4)), int(m.group(5)), int(m.group(6) or 0),
            )  # fmt: skip
            return date_to_serial(stamp), {"type": "DATE_TIME", "pattern": "yyyy-mm-dd h:mm:ss"}
        m = _SLASH_DATE.match(text)
        if m:
            a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if len(m.group(3)) == 2:
                year += 2000 if year < 30 else 1900
            month_first = locale.startswith(_MONTH_FIRST_LOCALES)
            month, day_ = (a, b) if month_first else (b, a)
            pattern = "M/d/yyyy" if month_first else "d/M/yyyy"
            return date_to_serial(dt.date(year, month, day_)), {"type": "DATE", "pattern": pattern}
        m = _TIME.match(text)
        if m:
            h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
            if h < 24 and mi < 60 and s < 60:
                pattern = "h:mm:ss" if m.group(3) else "h:mm"
                return (h * 3600 + mi * 60 + s) / 86400, {"type": "TIME", "pattern": pattern}
    except ValueError:
        return None
    return None


def format_number(value: float, number_format: JsonDict | None) -> str:
    """The formattedValue Sheets shows for a number under a numberFormat."""
    kind = (number_format or {}).get("type", "")
    pattern = (number_format or {}).get("pattern", "")
    if kind in ("DATE", "TIME", "DATE_TIME") or (kind == "" and pattern and "yy" in pattern):
        default = {"DATE": "M/d/yyyy", "TIME": "h:mm:ss am/pm", "DATE_TIME": "M/d/yyyy H:mm:ss"}
        return format_date(value, pattern or default.get(kind, "M/d/yyyy"))
    if kind == "PERCENT":
        decimals = _decimals(pattern) if pattern else 2
        return f"{value * 100:.{decimals}f}%"
    if kind in ("NUMBER", "CURRENCY", "SCIENTIFIC") and pattern:
        if kind == "SCIENTIFIC":
            return f"{value:.{_decimals(pattern)}E}"
        body = (
            f"{value:,.{_decimals(pattern)}f}"
            if "," in pattern
            else f"{value:.{_decimals(pattern)}f}"
        )
        prefix = pattern.split("#")[0].split("0")[0].replace('"', "")
        return f"{prefix}{body}" if value >= 0 else f"-{prefix}{body[1:]}"
    return general_number(value)


def general_number(value: float) -> str:
    """Sheets' "automatic" format: integers plainly, fractions to ten significant digits."""
    number = json_number(value)
    if isinstance(number, int):
        return str(number)
    if math.isinf(number) or math.isnan(number):
        return "#NUM!"
    text = f"{number:.10g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        return f"{float(mantissa):.2f}E{int(exp):+03d}"
    return text


def _decimals(pattern: str) -> int:
    """Number of decimal places a ``0.00``-style pattern asks for."""
    if "." not in pattern:
        return 0
    return sum(1 for ch in pattern.split(".", 1)[1] if ch in "0#")


_DATE_TOKEN = re.compile(r"yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|a/p", re.IGNORECASE)


def format_date(serial: float, pattern: str) -> str:
    """Render a serial number with a Sheets date/time pattern (common tokens only)."""
    stamp = serial_to_datetime(serial + 1e-9)  # guard against 0.9999999 seconds
    tokens = list(_DATE_TOKEN.finditer(pattern))
    twelve_hour = any(t.group().lower() in ("am/pm", "a/p") for t in tokens)
    out, last = [], 0
    for i, tok in enumerate(tokens):
        out.append(pattern[last : tok.start()])
        last = tok.end()
        word = tok.group()
        low = word.lower()
        near_time = _is_minute(tokens, i)
        out.append(_render_token(low, stamp, near_time, twelve_hour))
    out.append(pattern[last:])
    return "".join(out)


def _is_minute(tokens: list[re.Match[str]], i: int) -> bool:
    """``m``/``mm`` mean minutes right after an hour or right before seconds."""
    low = tokens[i].group().lower()
    if low not in ("m", "mm"):
        return False
    before = tokens[i - 1].group().lower() if i > 0 else ""
    after = tokens[i + 1].group().lower() if i + 1 < len(tokens) else ""
    return before in ("h", "hh") or after in ("s", "ss")


def _render_token(low: str, stamp: dt.datetime, minute: bool, twelve: bool) -> str:
    """One date/time token."""
    hour = stamp.hour % 12 or 12 if twelve else stamp.hour
    table: dict[str, Callable[[], str]] = {
        "yyyy": lambda: f"{stamp.year:04d}",
        "yy": lambda: f"{stamp.year % 100:02d}",
        "mmmm": lambda: stamp.strftime("%B"),
        "mmm": lambda: stamp.strftime("%b"),
        "mm": lambda: f"{stamp.minute:02d}" if minute else f"{stamp.month:02d}",
        "m": lambda: str(stamp.minute) if minute else str(stamp.month),
        "dddd": lambda: stamp.strftime("%A"),
        "ddd": lambda: stamp.strftime("%a"),
        "dd": lambda: f"{stamp.day:02d}",
        "d": lambda: str(stamp.day),
        "hh": lambda: f"{hour:02d}",
        "h": lambda: str(hour),
        "ss": lambda: f"{stamp.second:02d}",
        "s": lambda: str(stamp.second),
        "am/pm": lambda: "AM" if stamp.hour < 12 else "PM",
        "a/p": lambda: "a" if stamp.hour < 12 else "p",
    }
    return table[low]()


# --- formulas ---------------------------------------------------------------------------

_BINOPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_CELL_REF = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]+)")


class FormulaError(Exception):
    """A formula the fake evaluates to a Sheets error value."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def evaluate_formula(formula: str, lookup: Callable[[int, int], JsonDict | None]) -> JsonDict:
    """Evaluate ``=1+2``-style arithmetic with same-sheet cell references.

    Anything else (functions, other sheets) becomes a ``#NAME?`` error, which is what
    Sheets shows for a formula it cannot understand; the fake is not a spreadsheet engine.
    """
    expr = formula[1:].strip().replace("^", "**")
    expr = _CELL_REF.sub(lambda m: f"__ref_{m.group(1)}_{m.group(2)}", expr)
    try:
        tree = ast.parse(expr, mode="eval")
        value = _eval_node(tree.body, lookup)
    except FormulaError as err:
        return {"errorValue": {"type": err.kind, "message": err.message}}
    except ZeroDivisionError:
        return {
            "errorValue": {
                "type": "DIVIDE_BY_ZERO",
                "message": "Function DIVIDE parameter 2 cannot be zero.",
            }
        }
    except (SyntaxError, ValueError, TypeError):
        return {"errorValue": {"type": "ERROR", "message": "Formula parse error."}}
    if isinstance(value, str):
        return {"stringValue": value}
    return {"numberValue": json_number(value)}


def _eval_node(node: ast.AST, lookup: Callable[[int, int], JsonDict | None]) -> float | str:
    """Evaluate one arithmetic node; unknown constructs are ``#NAME?``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str):
        return node.value if isinstance(node.value, str) else float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _number(_eval_node(node.operand, lookup))
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left = _number(_eval_node(node.left, lookup))
        right = _number(_eval_node(node.right, lookup))
        return _BINOPS[type(node.op)](left, right)
    if isinstance(node, ast.Name) and node.id.startswith("__ref_"):
        col, row = node.id[6:].split("_")
        found = lookup(int(row) - 1, col_to_index(col))
        if found is None:
            return 0.0
        if "errorValue" in found:
            raise FormulaError(found["errorValue"]["type"], found["errorValue"]["message"])
        for key in ("numberValue", "stringValue"):
            if key in found:
                return float(found[key]) if key == "numberValue" else str(found[key])
        if "boolValue" in found:
            return 1.0 if found["boolValue"] else 0.0
        return 0.0
    name = node.id if isinstance(node, ast.Name) else type(node).__name__
    raise FormulaError("NAME", f"Unknown range name: '{name.upper()}'.")


def _number(value: float | str) -> float:
    """Arithmetic on text is a ``#VALUE!`` error in Sheets."""
    if isinstance(value, str):
        raise FormulaError(
            "VALUE", f"Function operand expects number values. But '{value}' is a text."
        )
    return value


ERROR_TEXT = {
    "NAME": "#NAME?",
    "DIVIDE_BY_ZERO": "#DIV/0!",
    "VALUE": "#VALUE!",
    "REF": "#REF!",
    "ERROR": "#ERROR!",
    "NUM": "#NUM!",
    "N_A": "#N/A",
    "NULL_VALUE": "#NULL!",
}
