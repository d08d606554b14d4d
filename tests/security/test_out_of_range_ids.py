"""An id too large for the database, in any address, is a 404 page, never a 500.

SQLite refuses integers past 64 bits (OverflowError) and PostgreSQL past its INTEGER columns (DataError);
run with TEST_DATABASE_URL to check the second. The walk covers every GET route that reads an int.
"""

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.db import DbSession
from app.events.models import Event, EventOrganiser
from app.web.id_bounds import _int_parameters
from tests.conftest import BrowserLikeClient
from tests.factories import make_event

HUGE_VALUES = ("99999999999999999999", str(2**63), str(2**31), "-99999999999999999999")


def _routes(routes: list) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (original := getattr(route, "original_router", None)) is not None:
            yield from _routes(original.routes)


def _int_get_routes(app: FastAPI) -> list[APIRoute]:
    return [route for route in _routes(app.routes) if "GET" in route.methods and _int_parameters(route)[0]]


def _address(route: APIRoute, event: Event, huge: str) -> str:
    ints = set(_int_parameters(route)[0])

    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        if name in ints:
            return huge
        return event.slug if name == "slug" else "anything"

    return re.sub(r"\{([^}]+)\}", value, route.path)


def test_the_walk_finds_the_public_routes_with_ids(app: FastAPI) -> None:
    paths = {route.path for route in _int_get_routes(app)}

    assert {"/materials/{version_id}/{filename}", "/speaker-photos/{speaker_id}/{key}"} <= paths


@pytest.mark.parametrize("huge", HUGE_VALUES, ids=["20-digits", "2^63", "2^31", "negative"])
def test_every_get_route_answers_404_to_an_out_of_range_id(
    app: FastAPI,
    client: TestClient,
    db: DbSession,
    organiser_client: BrowserLikeClient,
    organiser: object,
    huge: str,
) -> None:
    event = make_event(db)
    db.add(EventOrganiser(event_id=event.id, user_id=organiser.id))  # type: ignore[attr-defined]
    db.commit()
    answers = {}
    for route in _int_get_routes(app):
        address = _address(route, event, huge)
        try:
            answers[address] = client.get(address).status_code
        except Exception as error:  # noqa: BLE001 - the server error itself is what this test looks for
            answers[address] = type(error).__name__

    assert {address: status for address, status in answers.items() if status != 404} == {}


def test_anonymous_material_download_with_a_huge_id_is_not_found(client: TestClient) -> None:
    response = client.get("/materials/99999999999999999999/slides.pdf")

    assert (response.status_code, "This page does not exist." in response.text) == (404, True)


def test_a_huge_id_in_the_api_answers_json_404(client: TestClient, db: DbSession) -> None:
    event = make_event(db)

    response = client.get(f"/api/events/{event.slug}/sessions/99999999999999999999")

    assert (response.status_code, response.json()) == (404, {"detail": "This page does not exist."})
