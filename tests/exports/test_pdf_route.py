"""The booklet at /events/{slug}/programme.pdf: the released version, cached, conditional."""

import io

from pypdf import PdfReader

from app.programme.releases import release_programme
from tests.factories import at, make_event, make_room, make_session


def test_booklet_is_a_pdf_of_the_released_version_with_etag_and_304(db, client):
    event = make_event(db)
    room = make_room(db, event, name="Amphithéâtre")
    panel = make_session(db, event, title="Data governance panel", room_id=room.id)
    release_programme(db, event, "", None)
    make_session(db, event, title="Unreleased addition", start_at=at(event, 1, 9), end_at=at(event, 1, 10))

    response = client.get(f"/events/{event.slug}/programme.pdf")
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
