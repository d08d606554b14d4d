"""The booklet at /events/{slug}/programme.pdf: the released version, built by a worker, cached,
conditional (what happens while it is built: tests/tasks/test_booklets.py)."""

import io
import time

import pytest
from pypdf import PdfReader

from app.programme.releases import release_programme
from tests.factories import at, make_event, make_room, make_session
from tests.tasks.workers import running_worker


def booklet_when_built(client, url):
    """The booklet once a worker has built it: the first answer says it is being prepared."""
    first = client.get(url)
    assert (first.status_code, first.headers["retry-after"]) == (503, "10")
    with running_worker(client.app.state.tasks):
        for _attempt in range(600):
            response = client.get(url)
            if response.status_code != 503:
                return response
            time.sleep(0.1)
    pytest.fail("the booklet was not built within a minute")


def test_booklet_is_a_pdf_of_the_released_version_with_etag_and_304(db, client):
    event = make_event(db)
    room = make_room(db, event, name="Amphithéâtre")
    panel = make_session(db, event, title="Data governance panel", room_id=room.id)
    release_programme(db, event, "", None)
    make_session(db, event, title="Unreleased addition", start_at=at(event, 1, 9), end_at=at(event, 1, 10))

    response = booklet_when_built(client, f"/events/{event.slug}/programme.pdf")
    again = client.get(
        f"/events/{event.slug}/programme.pdf", headers={"If-None-Match": response.headers["etag"]}
    )
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)

    assert (response.status_code, response.headers["content-type"], again.status_code) == (
        200,
        "application/pdf",
        304,
    )
    assert response.headers["content-disposition"] == f'inline; filename="{event.slug}-programme.pdf"'
    assert panel.title in text
    assert "Unreleased addition" not in text


def test_booklet_of_an_unknown_event_is_a_404(client):
    response = client.get("/events/no-such-event/programme.pdf")

    assert response.status_code == 404
    assert "There is no public event at this address." in response.text
