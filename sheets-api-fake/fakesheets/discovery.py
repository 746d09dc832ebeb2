"""Validate request bodies and query parameters against Google's discovery document.

The Sheets v4 discovery document ships inside ``google-api-python-client``, a required
dependency of this package. Validation cannot be switched off: when the document cannot
be loaded, :func:`load_document` (and so creating a :class:`FakeSheetsState` or a
``FakeSheetsServer``) raises :class:`DiscoveryDocumentError`.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

from .errors import ApiError, bad_request

DOC_PACKAGE = "googleapiclient"
DOC_DISTRIBUTION = "google-api-python-client"
DOC_PATH = ("discovery_cache", "documents", "sheets.v4.json")
DOC_ID = "sheets:v4"
BATCH_UPDATE = "sheets.spreadsheets.batchUpdate"
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
# Messages whose fields form a proto ``oneof`` (the discovery document does not say so).
ONEOF_SCHEMAS = {"ExtendedValue": "value", "DataFilter": "filter"}
_INT_FORMATS = {"int32": "TYPE_INT32", "int64": "TYPE_INT64", "uint32": "TYPE_UINT32"}


class DiscoveryDocumentError(RuntimeError):
    """The Sheets v4 discovery document could not be loaded, so the fake cannot run."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            "fakesheets validates every request against Google's Sheets v4 discovery "
            f"document, which ships in the {DOC_DISTRIBUTION} package, and it could not be "
            f"loaded: {reason}. Install it: pip install '{DOC_DISTRIBUTION}>=2.100'"
        )
        self.reason = reason


def snake(name: str) -> str:
    """``updateCells`` -> ``update_cells`` (Google's error paths use proto names)."""
    return _CAMEL.sub("_", name).lower()


@functools.cache
def load_document(package: str = DOC_PACKAGE, path: tuple[str, ...] = DOC_PATH) -> dict[str, Any]:
    """The Sheets v4 discovery document, read from ``package`` (resource ``path``).

    Raises :class:`DiscoveryDocumentError` when the package is not importable or the
    resource is missing or is not the Sheets v4 document; there is no fallback.
    Cached: it is read-only here, and parsing it per server would dominate test time.
    """
    where = "/".join((package, *path))
    try:
        node = resources.files(package)
    except ImportError as err:
        raise DiscoveryDocumentError(f"cannot import {package!r} ({err})") from err
    for part in path:
        node = node.joinpath(part)
    try:
        data = json.loads(node.read_text(encoding="utf-8"))
    except OSError as err:
        raise DiscoveryDocumentError(f"cannot read {where} ({err})") from err
    except ValueError as err:
        raise DiscoveryDocumentError(f"{where} is not valid JSON ({err})") from err
    if not isinstance(data, dict) or data.get("id") != DOC_ID or "schemas" not in data:
        raise DiscoveryDocumentError(f"{where} is not the {DOC_ID} discovery document")
    return data


class Validator:
    """Checks JSON payloads against discovery schemas, raising Google-style 400s.

    Use :meth:`load` for the document that ships with google-api-python-client; passing
    a ``document`` explicitly is for unit tests of the validator itself.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.schemas: dict[str, Any] = document["schemas"]
        self.methods: dict[str, Any] = {}
        self._collect_methods(document.get("resources", {}))

    @classmethod
    def load(cls) -> Validator:
        """A validator for the shipped Sheets v4 document (raises if it cannot be loaded)."""
        return cls(load_document())

    def method(self, method_id: str) -> dict[str, Any]:
        """The discovery entry for ``method_id``; an unknown id is a bug in the fake."""
        try:
            found: dict[str, Any] = self.methods[method_id]
        except KeyError:
            raise LookupError(
                f"no method {method_id!r} in the {DOC_ID} discovery document"
            ) from None
        return found

    def _collect_methods(self, res: dict[str, Any]) -> None:
        for node in res.values():
            for method in node.get("methods", {}).values():
                self.methods[method["id"]] = method
            self._collect_methods(node.get("resources", {}))

    def check_query(self, method_id: str, query: dict[str, list[str]]) -> None:
        """Unknown query parameter names and bad enum values are 400s."""
        params = dict(self.document.get("parameters", {}))
        params.update(self.method(method_id).get("parameters", {}))
        for name, values in query.items():
            spec = params.get(name)
            if spec is None or spec.get("location") == "path":
                raise bad_request(
                    f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                    f"parameter. Field '{name}' could not be found in request message."
                )
            for value in values:
                self._check_query_value(name, spec, value)

    def _check_query_value(self, name: str, spec: dict[str, Any], value: str) -> None:
        """Enums and booleans in the query string."""
        enum = spec.get("enum")
        if enum and value not in enum:
            kind = name[0].upper() + name[1:]
            raise bad_request(
                f"Invalid value at '{snake(name)}' "
                f'(type.googleapis.com/google.apps.sheets.v4.{kind}), "{value}"',
                field=snake(name),
            )
        if spec.get("type") == "boolean" and value.lower() not in ("true", "false", "1", "0"):
            raise bad_request(f"Invalid value at '{snake(name)}' (TYPE_BOOL), \"{value}\"")
        if spec.get("type") == "integer" and not re.fullmatch(r"-?\d+", value):
            raise bad_request(f"Invalid value at '{snake(name)}' (TYPE_INT32), \"{value}\"")

    def check_body(self, method_id: str, body: Any, root: str = "") -> None:
        """Validate a request body for a method (``root`` names the body field in errors)."""
        ref = self.method(method_id).get("request", {}).get("$ref")
        if ref is None:
            return
        self.check(body, {"$ref": ref}, root)

    def check(self, value: Any, schema: dict[str, Any], path: str) -> None:
        """Recursively check ``value`` against a schema (follows ``$ref``)."""
        if "$ref" in schema:
            schema = self.schemas[schema["$ref"]]
        if value is None:
            return  # JSON null means "not set" in proto3 JSON
        kind = schema.get("type")
        if kind == "object":
            self._check_object(value, schema, path)
        elif kind == "array":
            if not isinstance(value, list):
                raise self._type_error(path, schema, value)
            for i, item in enumerate(value):
                self.check(item, schema.get("items", {}), f"{path}[{i}]")
        elif kind in ("string", "integer", "number", "boolean"):
            self._check_scalar(value, schema, path)

    def _check_object(self, value: Any, schema: dict[str, Any], path: str) -> None:
        """Objects: every key must be a known property (or fit ``additionalProperties``)."""
        if not isinstance(value, dict):
            raise self._type_error(path, schema, value)
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        oneof = ONEOF_SCHEMAS.get(str(schema.get("id")))
        set_keys = [k for k, v in value.items() if v is not None]
        if oneof and len(set_keys) > 1:
            raise bad_request(
                f"Invalid value at '{path}', oneof field '{oneof}' is already set. "
                f"Cannot set '{set_keys[1]}'",
                field=path,
            )
        for key, item in value.items():
            if key in props:
                child = f"{path}.{snake(key)}" if path else snake(key)
                self.check(item, props[key], child)
            elif extra is not None:
                self.check(item, extra, f"{path}[{key}]")
            else:
                where = f" at '{path}'" if path else ""
                raise bad_request(
                    f'Invalid JSON payload received. Unknown name "{key}"{where}: '
                    "Cannot find field.",
                    field=path or key,
                )

    def _check_scalar(self, value: Any, schema: dict[str, Any], path: str) -> None:
        """Scalars, as proto3 JSON accepts them (ints may arrive as numeric strings)."""
        kind = schema["type"]
        ok = {
            "string": isinstance(value, str),
            "boolean": isinstance(value, bool),
            "number": (isinstance(value, int | float) and not isinstance(value, bool))
            or (isinstance(value, str) and _is_number(value)),
            "integer": (isinstance(value, int) and not isinstance(value, bool))
            or (isinstance(value, float) and value.is_integer())
            or (isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None),
        }[kind]
        if not ok:
            raise self._type_error(path, schema, value)
        enum = schema.get("enum")
        if enum and value not in enum:
            raise self._type_error(path, schema, value)

    def _type_error(self, path: str, schema: dict[str, Any], value: Any) -> ApiError:
        """Google's 'Invalid value at ...' message for a wrongly typed value."""
        kind = schema.get("type")
        if kind == "array" and schema.get("items", {}).get("type") in ("any", "array"):
            type_name = "type.googleapis.com/google.protobuf.ListValue"
        elif schema.get("enum"):
            type_name = "TYPE_ENUM"
        elif kind == "integer":
            type_name = _INT_FORMATS.get(str(schema.get("format")), "TYPE_INT32")
        elif kind in ("number", "boolean", "string"):
            type_name = {"number": "TYPE_DOUBLE", "boolean": "TYPE_BOOL", "string": "TYPE_STRING"}[
                kind
            ]
        else:
            type_name = "TYPE_MESSAGE"
        shown = json.dumps(value) if not isinstance(value, dict | list) else "{...}"
        message = f"Invalid value at '{path}' ({type_name}), {shown}"
        return bad_request(message, field=path)

    def field_paths_ok(self, schema_name: str, paths: list[str]) -> str | None:
        """Return the first field-mask path that names no field of the schema, if any."""
        for path in paths:
            schema: dict[str, Any] | None = self.schemas.get(schema_name)
            for part in path.split("."):
                if part == "*" or schema is None:
                    break
                props: dict[str, Any] = schema.get("properties", {})
                if part not in props:
                    return path
                nxt = props[part]
                if nxt.get("type") == "array":
                    nxt = nxt.get("items", {})
                schema = self.schemas.get(nxt["$ref"]) if "$ref" in nxt else None
        return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
