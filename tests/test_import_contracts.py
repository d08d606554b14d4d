"""The domain layout contract (tools/import_contracts.py, run by `make lint`) catches a wrong import in a
module nobody listed."""

import tomllib

import grimp
import pytest

from app.settings import PROJECT_DIR
from tools.import_contracts import Layout, violations


def project_layout() -> Layout:
    config = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "domain_layout"]
    layers = tuple(tuple(name.strip() for name in layer.split("|")) for layer in contract["layers"])
    return Layout(
        root="app",
        layers=layers,
        web_patterns=tuple(contract["web_modules"]),
        route_patterns=tuple(contract["route_modules"]),
        web_stack=tuple(contract["web_stack"]),
    )


def graph_with(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="import")
    return graph


def reasons(*imports: tuple[str, str]) -> list[str]:
    return [violation.reason for violation in violations(graph_with(*imports), project_layout())]


@pytest.mark.parametrize(
    "imported",
    ["fastapi", "starlette.requests", "app.web", "app.web.csrf", "app.programme.routes", "app.events.access"],
)
def test_a_new_core_module_may_not_touch_http(imported: str) -> None:
    assert reasons(("app.registration.reminders", imported)) == [
        "a core module imports the web stack or a web module"
    ]


def test_a_lower_domain_may_not_import_a_higher_one() -> None:
    assert reasons(("app.events.statistics", "app.registration.capacity")) == [
        "a domain imports a domain of a higher layer"
    ]
    assert reasons(("app.registration.capacity", "app.events.models")) == []


def test_independent_domains_of_one_layer_stay_apart() -> None:
    assert reasons(("app.materials.reminders", "app.registration.queries")) == [
        "a domain imports an independent domain of its own layer"
    ]


def test_the_foundation_imports_no_domain() -> None:
    assert reasons(("app.mail", "app.registration.models")) == ["a foundation module imports a domain"]
    assert reasons(("app.registration.service", "app.mail")) == []


def test_route_modules_compose_any_domain_but_no_other_route_module() -> None:
    assert reasons(("app.events.routes", "app.registration.queries"), ("app.events.routes", "app.web")) == []
    assert reasons(("app.events.manage_routes", "app.programme.routes")) == [
        "a route module imports another route module"
    ]
    assert reasons(("app.programme.api", "app.events.access")) == []
