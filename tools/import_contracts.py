"""The import contract of the domain layout (docs/STYLE.md, "Import direction"), as an import-linter contract.

import-linter's own contracts name their modules in lists or with whole-segment wildcards, so a module nobody
listed (a new `app/registration/reminders.py`) would go unchecked, and route modules inside a domain package
would need ignore lines to compose higher domains. This contract classifies every module by its name instead:

- web modules (fnmatch patterns, e.g. `app.*.routes`, `app.*.*_routes`, `app.*.api`, `app.*.access`,
  `app.web.*`): they may use FastAPI/Starlette and may compose any domain's core to build a page;
- route modules (web modules such as `*.routes`, `*_routes`, `*.api`): they never import another route module;
- everything else is core: it never imports the web stack (`fastapi`, `starlette`, `app.web`) or a web module,
  and a core module of a domain imports only from its own domain, from domains in lower layers, and from the
  foundation (top-level modules of `app` that are not a layer: db, settings, i18n, mail, ...), which in
  turn imports no domain at all.

All checks are on direct imports: when every direct import goes down or sideways in its own domain, so does
every chain of them.
"""

from dataclasses import dataclass
from fnmatch import fnmatchcase

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


@dataclass(frozen=True)
class Violation:
    importer: str
    imported: str
    line_numbers: tuple[int, ...]
    reason: str


@dataclass(frozen=True)
class Layout:
    root: str
    layers: tuple[tuple[str, ...], ...]
    web_patterns: tuple[str, ...]
    route_patterns: tuple[str, ...]
    web_stack: tuple[str, ...]

    def is_web(self, module: str) -> bool:
        return any(fnmatchcase(module, pattern) for pattern in self.web_patterns)

    def is_route(self, module: str) -> bool:
        return self.is_web(module) and any(fnmatchcase(module, pattern) for pattern in self.route_patterns)

    def is_web_stack(self, module: str) -> bool:
        return any(module == name or module.startswith(name + ".") for name in self.web_stack)

    def package(self, module: str) -> str | None:
        """`app.programme` for `app.programme.views`; None outside the root package."""
        parts = module.split(".")
        if parts[0] != self.root:
            return None
        return ".".join(parts[:2]) if len(parts) > 1 else self.root

    def layer_of(self, module: str) -> int | None:
        """The index of the module's layer (0 is the top), or None for a foundation module."""
        package = self.package(module)
        for index, layer in enumerate(self.layers):
            if package in layer or module in layer:
                return index
        return None


def violations(graph: ImportGraph, layout: Layout) -> list[Violation]:
    found = []
    modules = sorted(module for module in graph.modules if layout.package(module) is not None)
    for importer in modules:
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            reason = _broken_rule(layout, importer, imported)
            if reason:
                details = graph.get_import_details(importer=importer, imported=imported)
                lines = tuple(detail["line_number"] for detail in details)
                found.append(Violation(importer, imported, lines, reason))
    return found


def _broken_rule(layout: Layout, importer: str, imported: str) -> str | None:
    if layout.is_route(importer) and layout.is_route(imported) and importer != imported:
        return "a route module imports another route module"
    if layout.is_web(importer):
        return None
    if layout.is_web_stack(imported) or layout.is_web(imported):
        return "a core module imports the web stack or a web module"
    if layout.package(imported) is None:
        return None  # a library
    importer_layer, imported_layer = layout.layer_of(importer), layout.layer_of(imported)
    if imported_layer is None or layout.package(importer) == layout.package(imported):
        return None  # the foundation, or the module's own domain
    if importer_layer is None:
        return "a foundation module imports a domain"
    if imported_layer < importer_layer:
        return "a domain imports a domain of a higher layer"
    if imported_layer == importer_layer:
        return "a domain imports an independent domain of its own layer"
    return None


class DomainLayoutContract(Contract):
    """import-linter contract type `domain_layout` (registered in pyproject.toml's `contract_types`)."""

    layers = fields.ListField(subfield=fields.StringField())
    web_modules = fields.ListField(subfield=fields.StringField())
    route_modules = fields.ListField(subfield=fields.StringField())
    web_stack = fields.ListField(subfield=fields.StringField())

    def layout(self) -> Layout:
        layers = tuple(
            tuple(name.strip() for name in layer.split("|"))
            for layer in self.layers  # type: ignore[attr-defined]
        )
        root = layers[0][0].split(".")[0]
        return Layout(
            root=root,
            layers=layers,
            web_patterns=tuple(self.web_modules),  # type: ignore[arg-type]
            route_patterns=tuple(self.route_modules),  # type: ignore[arg-type]
            web_stack=tuple(self.web_stack),  # type: ignore[arg-type]
        )

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        found = violations(graph, self.layout())
        return ContractCheck(kept=not found, warnings=[], metadata={"violations": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for violation in check.metadata["violations"]:
            lines = ", ".join(map(str, violation.line_numbers))
            output.print_error(
                f"- {violation.importer} -> {violation.imported} (l.{lines}): {violation.reason}", bold=False
            )
            output.new_line()
