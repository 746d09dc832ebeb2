"""Google field masks: ``a.b,c(d,e/f)`` parsed into a tree, used to filter and to merge."""

from __future__ import annotations

from typing import Any

from .values import json_copy

# A mask node maps a field name to its sub-mask; ``None`` selects the whole field.
Mask = dict[str, "Mask | None"]


class MaskError(ValueError):
    """A field mask Google would reject."""


def parse_mask(text: str) -> Mask | None:
    """Parse a mask; returns ``None`` for ``*`` (everything)."""
    text = text.strip()
    if text in ("", "*"):
        return None
    mask, pos = _parse_list(text.replace("/", "."), 0)
    if pos != len(text):
        raise MaskError(text)
    return mask


def _parse_list(text: str, pos: int) -> tuple[Mask, int]:
    """Parse comma-separated paths until a closing parenthesis or the end."""
    mask: Mask = {}
    while pos < len(text):
        pos = _parse_path(text, pos, mask)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        break
    return mask, pos


def _parse_path(text: str, pos: int, into: Mask) -> int:
    """Parse one ``a.b.c`` or ``a(b,c)`` path and merge it into ``into``."""
    start = pos
    while pos < len(text) and text[pos] not in ".,()":
        pos += 1
    name = text[start:pos].strip()
    if not name:
        raise MaskError(text)
    if pos < len(text) and text[pos] == ".":
        sub = _child(into, name)
        return _parse_path(text, pos + 1, sub)
    if pos < len(text) and text[pos] == "(":
        inner, pos = _parse_list(text, pos + 1)
        if pos >= len(text) or text[pos] != ")":
            raise MaskError(text)
        sub = _child(into, name)
        _merge(sub, inner)
        return pos + 1
    into[name] = None
    return pos


def _child(into: Mask, name: str) -> Mask:
    """Sub-mask for ``name``, creating it; a field already selected whole stays whole."""
    if name in into and into[name] is None:
        return {}  # already fully selected: narrower paths add nothing
    node = into.setdefault(name, {})
    assert node is not None
    return node


def _merge(into: Mask, other: Mask) -> None:
    for key, sub in other.items():
        if sub is None:
            into[key] = None
        elif key not in into:
            into[key] = sub
        elif into[key] is not None:
            _merge(into[key], sub)  # type: ignore[arg-type]


def apply_mask(value: Any, mask: Mask | None) -> Any:
    """Keep only the masked fields of a JSON value (lists are filtered item by item)."""
    if mask is None:
        return value
    if isinstance(value, list):
        return [apply_mask(item, mask) for item in value]
    if not isinstance(value, dict):
        return value
    if "*" in mask:
        return value
    out: dict[str, Any] = {}
    for key, sub in mask.items():
        if key in value:
            # A present message stays even when none of its selected fields is set
            # (recorded: ``{"sheets": [{"properties": {}}]}``).
            out[key] = apply_mask(value[key], sub)
    return out


def merge_masked(target: dict[str, Any], source: dict[str, Any], mask: Mask | None) -> None:
    """Copy masked fields from ``source`` into ``target``; masked fields absent in source are
    cleared, which is how Google's ``fields`` parameter works for updates."""
    if mask is None or "*" in mask:
        target.clear()
        target.update(json_copy(source))
        return
    for key, sub in mask.items():
        if sub is None or not isinstance(source.get(key, {}), dict):
            if source.get(key) is not None:
                target[key] = json_copy(source[key])
            else:
                target.pop(key, None)
            continue
        child = target.get(key)
        if not isinstance(child, dict):
            child = {}
        merge_masked(child, source.get(key) or {}, sub)
        if child:
            target[key] = child
        else:
            target.pop(key, None)


def mask_paths(mask: Mask | None, prefix: str = "") -> list[str]:
    """Flatten a mask to dotted paths (for error messages and validation)."""
    if mask is None:
        return [prefix or "*"]
    out: list[str] = []
    for key, sub in mask.items():
        path = f"{prefix}.{key}" if prefix else key
        out.extend([path] if sub is None else mask_paths(sub, path))
    return out
