"""The frab schedule as conference apps download it: valid, cached per programme change, 304 on a match."""

from fastapi.testclient import TestClient

from app.db import DbSession
from app.events.models import Visibility
from tests.exports.test_frab import json_errors, xml_errors
from tests.factories import make_event, make_room, make_session


def test_schedule_xml_and_json_are_served_valid(feeds_client: TestClient, db: DbSession) -> None:
    event = make_event(db, slug="prelude-2022")
    make_session(db, event, room_id=make_room(db, event).id)

    xml = feeds_client.get("/events/prelude-2022/schedule.xml")
    json = feeds_client.get("/events/prelude-2022/schedule.json")

    assert (xml.status_code, xml.headers["content-type"]) == (200, "application/xml; charset=utf-8")
    assert (json.status_code, json.headers["content-type"]) == (200, "application/json; charset=utf-8")
    assert (xml_errors(xml.content), json_errors(json.content)) == ([], [])


def test_schedule_answers_304_to_its_etag_until_the_programme_changes(
    feeds_client: TestClient, db: DbSession
) -> None:
    event = make_event(db, slug="prelude-2022")
    make_session(db, event)
    first = feeds_client.get("/events/prelude-2022/schedule.xml")

    again = feeds_client.get(
        "/events/prelude-2022/schedule.xml", headers={"If-None-Match": first.headers["etag"]}
    )
    make_session(db, event, title="Stakeholder Forum")
    changed = feeds_client.get(
        "/events/prelude-2022/schedule.xml", headers={"If-None-Match": first.headers["etag"]}
    )

    assert (again.status_code, again.content) == (304, b"")
    assert changed.status_code == 200
    assert b"Stakeholder Forum" in changed.content


def test_schedule_of_an_invitation_only_event_is_not_public(feeds_client: TestClient, db: DbSession) -> None:
    make_event(db, slug="exec-committee", visibility=Visibility.invitation_only)

    response = feeds_client.get("/events/exec-committee/schedule.json")

    assert response.status_code == 404
    assert "There is no public event at this address." in response.text


def test_programme_page_links_every_export(feeds_client: TestClient, db: DbSession) -> None:
    make_event(db, slug="prelude-2022")

    page = feeds_client.get("/events/prelude-2022/programme").text

    for path in ("programme.ics", "schedule.xml", "schedule.json"):
        assert f'href="http://testserver/events/prelude-2022/{path}"' in page
