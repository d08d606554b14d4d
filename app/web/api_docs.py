"""The API reference page, read from the OpenAPI document: endpoints, parameters and response schemas.

A server-rendered page instead of Swagger UI: it needs no script (so it works under the
Content-Security-Policy and without JS), and it is plain headings, tables and forms that screen readers
and keyboards handle.
"""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # "path" or "query"
    required: bool
    type: str
    description: str = ""


@dataclass(frozen=True)
class ResponseDoc:
    status: str
    description: str
    schema: str  # a type label, "" when the response has no body
    schema_ref: str | None = None  # the name of a documented schema, for a link


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    description: str
    parameters: list[Parameter]
    responses: list[ResponseDoc]

    @property
    def anchor(self) -> str:
        return "op-" + self.operation_id


@dataclass(frozen=True)
class SchemaField:
    name: str
    type: str
    required: bool
    description: str = ""
    ref: str | None = None


@dataclass(frozen=True)
class SchemaDoc:
    name: str
    description: str
    fields: list[SchemaField]
    choices: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return "schema-" + self.name


@dataclass(frozen=True)
class TagGroup:
    name: str
    operations: list[Operation]


@dataclass(frozen=True)
class ApiReference:
    title: str
    summary: str
    version: str
    groups: list[TagGroup]
    schemas: list[SchemaDoc]

    def operation(self, operation_id: str) -> Operation | None:
        return next(
            (op for group in self.groups for op in group.operations if op.operation_id == operation_id), None
        )


def api_reference(openapi: JsonObject) -> ApiReference:
    """The OpenAPI document as the reference page shows it: operations grouped by tag, then the schemas."""
    groups: dict[str, list[Operation]] = {}
    for path, methods in openapi.get("paths", {}).items():
        for method, spec in methods.items():
            tag = (spec.get("tags") or ["api"])[0]
            groups.setdefault(tag, []).append(_operation(method, path, spec))
    schemas = [
        _schema(name, spec)
        for name, spec in sorted(openapi.get("components", {}).get("schemas", {}).items())
        if name not in ("HTTPValidationError", "ValidationError")
    ]
    info = openapi.get("info", {})
    return ApiReference(
        title=info.get("title", ""),
        summary=info.get("summary", "") or info.get("description", ""),
        version=info.get("version", ""),
        groups=[TagGroup(name, operations) for name, operations in groups.items()],
        schemas=schemas,
    )


def example_url(operation: Operation, values: dict[str, str]) -> str | None:
    """The operation's URL with `values` filled in; None when a required path parameter has no value."""
    path = operation.path
    query = []
    for parameter in operation.parameters:
        value = values.get(parameter.name, "").strip()
        if parameter.location == "path":
            if not value:
                return None
            path = path.replace("{" + parameter.name + "}", quote(value, safe=""))
        elif parameter.location == "query" and value:
            query.append((parameter.name, value))
    return path + ("?" + urlencode(query) if query else "")


def _operation(method: str, path: str, spec: JsonObject) -> Operation:
    parameters = [
        Parameter(
            name=item["name"],
            location=item.get("in", "query"),
            required=bool(item.get("required")),
            type=type_label(item.get("schema", {})),
            description=item.get("description", ""),
        )
        for item in spec.get("parameters", [])
    ]
    responses = []
    for status, response in spec.get("responses", {}).items():
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        responses.append(
            ResponseDoc(
                status=status,
                description=response.get("description", ""),
                schema=type_label(schema) if schema else "",
                schema_ref=_ref_name(schema) if schema else None,
            )
        )
    return Operation(
        method=method.upper(),
        path=path,
        operation_id=spec.get("operationId", f"{method}-{path}"),
        summary=spec.get("summary", ""),
        description=spec.get("description", ""),
        parameters=parameters,
        responses=responses,
    )


def _schema(name: str, spec: JsonObject) -> SchemaDoc:
    required = set(spec.get("required", []))
    fields = [
        SchemaField(
            name=field_name,
            type=type_label(field_spec),
            required=field_name in required,
            description=field_spec.get("description", ""),
            ref=_ref_name(field_spec),
        )
        for field_name, field_spec in spec.get("properties", {}).items()
    ]
    return SchemaDoc(
        name=name,
        description=spec.get("description", ""),
        fields=fields,
        choices=[str(value) for value in spec.get("enum", [])],
    )


def type_label(schema: JsonObject) -> str:
    """A JSON schema in a few words: "string (date)", "list of SessionPublic", "integer or null"."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            return " or ".join(type_label(option) for option in schema[combinator])
    kind = schema.get("type")
    if kind == "array":
        return "list of " + type_label(schema.get("items", {}))
    if kind == "object" and "additionalProperties" in schema:
        values = schema["additionalProperties"]
        return "map of " + (type_label(values) if isinstance(values, dict) else "any")
    if isinstance(kind, list):
        return " or ".join(str(item) for item in kind)
    if kind is None:
        return "any"
    return f"{kind} ({schema['format']})" if "format" in schema else str(kind)


def _ref_name(schema: JsonObject) -> str | None:
    """The one documented schema this type refers to, directly or through a list or "or null"."""
    if "$ref" in schema:
        return str(schema["$ref"].rsplit("/", 1)[-1])
    if schema.get("type") == "array":
        return _ref_name(schema.get("items", {}))
    for combinator in ("anyOf", "oneOf"):
        refs = [name for option in schema.get(combinator, []) if (name := _ref_name(option))]
        if len(refs) == 1:
            return refs[0]
    return None
