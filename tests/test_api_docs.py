"""/docs: the API reference rendered on the server from the OpenAPI document, with a "try it" form per GET."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.db import DbSession
from app.web.api_docs import Operation, Parameter, api_reference, example_url, type_label
from tests.factories import make_event


def test_docs_page_lists_every_api_endpoint_and_schema(app: FastAPI, client: TestClient) -> None:
    openapi = client.get("/openapi.json").json()

    page = client.get("/docs")

    assert page.status_code == 200
    for path in openapi["paths"]:
        assert f"<code>GET {path}</code>" in page.text
    for name in ("EventPublic", "SessionPublic", "ProgrammePublic"):
        assert f'id="schema-{name}"' in page.text
    assert "<script>" not in page.text


def test_docs_try_it_is_filled_with_a_published_event(client: TestClient, db: DbSession) -> None:
    make_event(db, slug="prelude-2026")

    page = client.get("/docs")

    assert 'name="slug" value="prelude-2026"' in page.text


def test_docs_try_it_redirects_to_the_filled_in_url(app: FastAPI, client: TestClient) -> None:
    reference = api_reference(app.openapi())
    programme = next(op for g in reference.groups for op in g.operations if op.path.endswith("/programme"))

    response = client.get(
        "/docs/try", params={"operation": programme.operation_id, "slug": "prelude 2026", "day": "2026-05-04"}
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/api/events/prelude%202026/programme?day=2026-05-04"


def test_docs_try_it_without_a_required_value_says_which(app: FastAPI, client: TestClient) -> None:
    reference = api_reference(app.openapi())
    event = next(op for g in reference.groups for op in g.operations if op.path == "/api/events/{slug}")

    response = client.get(
        "/docs/try", params={"operation": event.operation_id}, headers={"Accept": "text/html"}
    )

    assert response.status_code == 422
    assert "Fill in: slug." in response.text


def test_docs_try_it_of_an_unknown_operation_is_not_found(client: TestClient) -> None:
    response = client.get("/docs/try", params={"operation": "drop_tables"})

    assert response.status_code == 404


def test_example_url_leaves_out_empty_query_values() -> None:
    operation = Operation(
        "GET",
        "/api/events/{slug}/programme",
        "op",
        "",
        "",
        [Parameter("slug", "path", True, "string"), Parameter("day", "query", False, "string")],
        [],
    )

    assert example_url(operation, {"slug": "a/b", "day": ""}) == "/api/events/a%2Fb/programme"
    assert example_url(operation, {}) is None


def test_type_label_reads_lists_refs_and_nullable_values() -> None:
    assert type_label({"type": "array", "items": {"$ref": "#/components/schemas/TalkPublic"}}) == (
        "list of TalkPublic"
    )
    assert type_label({"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}) == (
        "string (date) or null"
    )
