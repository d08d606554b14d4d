"""Releasing the programme through the organiser's page, and what the public then sees."""

import re

from sqlmodel import select

from app.events.models import EventOrganiser
from app.programme import service as programme_service
from app.programme.models import Release
from app.programme.releases import release_programme
from tests.factories import at, make_event, make_room, make_session, make_speaker


def organised_event(db, organiser):
    event = make_event(db)
    db.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    db.commit()
    auditorium = make_room(db, event, name="Auditorium")
    salon = make_room(db, event, name="Salon Pasteur", position=2)
    panel = make_session(
        db,
        event,
        title="Data governance panel",
        room_id=salon.id,
        start_at=at(event, 0, 14),
        end_at=at(event, 0, 15),
    )
    return event, auditorium, panel


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_organiser_releases_a_version_with_a_note_and_sees_it_public(db, organiser, organiser_client):
    event, _auditorium, _panel = organised_event(db, organiser)
    page = organiser_client.get(f"/manage/events/{event.slug}/releases")

    response = organiser_client.post(f"/manage/events/{event.slug}/releases", {"note": "First programme"})
    after = organiser_client.get(response.headers["location"])

    assert "Nothing has been released yet" in text_of(page.text)
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"/manage/events/{event.slug}/releases?released=1")
    assert "Version 1 is now the public programme." in text_of(after.text)
    assert "Release version 2" in text_of(after.text)
    db.rollback()
    assert db.exec(select(Release.number, Release.note)).all() == [(1, "First programme")]


def test_public_programme_keeps_the_released_time_until_the_move_is_released(
    db, organiser, organiser_client, client
):
    event, auditorium, panel = organised_event(db, organiser)
    organiser_client.post(f"/manage/events/{event.slug}/releases", {"note": ""})
    db.rollback()
    programme_service.move_session(db, event, panel, room_id=auditorium.id, start_at=at(event, 0, 16))

    before = client.get(f"/events/{event.slug}/sessions/{panel.id}")
    pending = organiser_client.get(f"/manage/events/{event.slug}/releases")
    organiser_client.post(f"/manage/events/{event.slug}/releases", {"note": "Panel moved to 16:00"})
    after = client.get(f"/events/{event.slug}/sessions/{panel.id}")
    changelog = client.get(f"/events/{event.slug}/changelog")
    programme = client.get(f"/events/{event.slug}/programme")

    assert "14:00–15:00" in text_of(before.text)
    assert "16:00–17:00" in text_of(after.text)
    assert (
        "1 session moved Data governance panel: Wed 5 Oct 2022, 14:00–15:00, Salon Pasteur → now "
        "Wed 5 Oct 2022, 16:00–17:00, Auditorium"
    ) in text_of(pending.text)
    assert "Version 2 · " in text_of(changelog.text)
    assert "Panel moved to 16:00" in text_of(changelog.text)
    assert "14:00–15:00, Salon Pasteur → now Wed 5 Oct 2022, 16:00–17:00, Auditorium" in text_of(
        changelog.text
    )
    assert "Version 2, released" in text_of(programme.text)


def test_releasing_without_changes_shows_why_and_saves_nothing(db, organiser, organiser_client):
    event, _auditorium, _panel = organised_event(db, organiser)
    release_programme(db, event, "", organiser)

    response = organiser_client.post(f"/manage/events/{event.slug}/releases", {"note": "again"}, htmx=True)

    assert response.status_code == 422
    assert 'id="release-form"' in response.text
    assert "Nothing has changed since version 1." in text_of(response.text)
    db.rollback()
    assert db.exec(select(Release.number)).all() == [1]


def test_a_note_too_long_is_a_form_error(db, organiser, organiser_client):
    event, _auditorium, _panel = organised_event(db, organiser)

    response = organiser_client.post(f"/manage/events/{event.slug}/releases", {"note": "x" * 501})

    assert response.status_code == 422
    assert "This is too long." in response.text
    db.rollback()
    assert db.exec(select(Release)).all() == []


def test_visitors_who_are_not_logged_in_are_sent_to_log_in_and_release_nothing(db, client):
    event = make_event(db)
    make_session(db, event)

    page = client.get(f"/manage/events/{event.slug}/releases")
    post = client.post(f"/manage/events/{event.slug}/releases", data={"note": ""})

    assert (page.status_code, page.headers["location"]) == (
        303,
        f"http://testserver/login?next=%2Fmanage%2Fevents%2F{event.slug}%2Freleases",
    )
    # No session, so no CSRF token: the form is refused before anything else is looked at.
    assert post.status_code == 403
    assert db.exec(select(Release)).all() == []


def test_other_users_may_not_release(db, organiser, organiser_client):
    event = make_event(db, slug="someone-elses")
    make_session(db, event)

    page = organiser_client.get(f"/manage/events/{event.slug}/releases")
    response = organiser_client.post(f"/manage/events/{event.slug}/releases", {"note": ""})

    assert (page.status_code, response.status_code) == (403, 403)
    db.rollback()
    assert db.exec(select(Release)).all() == []


def test_changelog_of_an_event_never_released_says_so(db, client):
    event = make_event(db)

    page = client.get(f"/events/{event.slug}/changelog")

    assert page.status_code == 200
    assert "The programme has not been released in numbered versions yet" in text_of(page.text)


def test_a_released_session_deleted_from_the_draft_still_has_its_public_page(db, organiser, client):
    event, _auditorium, panel = organised_event(db, organiser)
    release_programme(db, event, "", organiser)
    programme_service.delete_session(db, panel)

    page = client.get(f"/events/{event.slug}/sessions/{panel.id}")

    assert page.status_code == 200
    assert "Data governance panel" in page.text


def test_programme_page_answers_304_to_the_same_visitor_until_a_new_release(db, organiser, client):
    event, auditorium, panel = organised_event(db, organiser)
    release_programme(db, event, "", organiser)
    first = client.get(f"/events/{event.slug}/programme")
    etag = first.headers["etag"]

    quoted_again = client.get(f"/events/{event.slug}/programme", headers={"If-None-Match": etag})
    weak_again = client.get(f"/events/{event.slug}/programme", headers={"If-None-Match": f"W/{etag}"})
    programme_service.move_session(db, event, panel, room_id=auditorium.id, start_at=at(event, 0, 16))
    after_draft_edit = client.get(f"/events/{event.slug}/programme", headers={"If-None-Match": etag})
    release_programme(db, event, "", organiser)
    after_release = client.get(f"/events/{event.slug}/programme", headers={"If-None-Match": etag})

    assert [first.status_code, quoted_again.status_code, weak_again.status_code] == [200, 304, 304]
    assert (after_draft_edit.status_code, after_release.status_code) == (304, 200)
    assert (first.headers["cache-control"], "last-modified" in first.headers) == ("public, no-cache", True)
    assert quoted_again.content == b""


def test_anonymous_visitors_share_one_compressed_page_without_a_csrf_token(db, organiser, client):
    event, _auditorium, _panel = organised_event(db, organiser)

    plain = client.get(f"/events/{event.slug}/programme", headers={"Accept-Encoding": "identity"})
    zipped = client.get(f"/events/{event.slug}/programme", headers={"Accept-Encoding": "gzip"})

    assert (plain.headers.get("content-encoding"), zipped.headers["content-encoding"]) == (None, "gzip")
    assert zipped.text == plain.text
    assert "X-CSRF-Token" not in plain.text
    assert "Data governance panel" in plain.text


def test_a_logged_in_organiser_gets_a_private_page_with_their_token_and_their_own_304(
    db, organiser, organiser_client
):
    event, _auditorium, _panel = organised_event(db, organiser)

    first = organiser_client.get(f"/events/{event.slug}/programme")
    again = organiser_client.get(
        f"/events/{event.slug}/programme", headers={"If-None-Match": first.headers["etag"]}
    )

    assert (first.headers["cache-control"], again.status_code) == ("private, no-cache", 304)
    assert "X-CSRF-Token" in first.text
    assert "Log out" in first.text


def test_event_page_counts_the_released_sessions_not_the_draft(db, organiser, client):
    event, _auditorium, _panel = organised_event(db, organiser)
    release_programme(db, event, "", organiser)
    make_session(db, event, title="Unreleased addition", start_at=at(event, 1, 9), end_at=at(event, 1, 10))

    page = client.get(f"/events/{event.slug}")

    assert "1 session ·" in text_of(page.text)


def test_builder_tells_whether_the_public_version_is_behind_the_draft(db, organiser, organiser_client):
    event, auditorium, panel = organised_event(db, organiser)
    builder = f"/manage/events/{event.slug}/programme"
    before = organiser_client.get(builder)
    release_programme(db, event, "", organiser)
    released = organiser_client.get(builder)

    moved = organiser_client.post(
        f"{builder}/sessions/{panel.id}/move",
        {"room_id": auditorium.id, "day": "2022-10-05", "start": "16:00"},
        htmx=True,
    )

    def status(html: str) -> str:
        return text_of(html.split('id="release-status"', 1)[1].split("</p>", 1)[0].split(">", 1)[1])

    assert status(before.text) == "Not released yet: the public programme shows your edits as you make them."
    assert status(released.text) == "The public sees version 1, which is up to date."
    assert status(moved.text) == (
        "The public sees version 1; your edits since then are not public until you release them."
    )


def test_publishing_or_a_speaker_profile_edit_after_a_release_leaves_the_public_version_up_to_date(
    db, organiser, organiser_client
):
    event, _auditorium, _panel = organised_event(db, organiser)
    speaker = make_speaker(db, event)
    release_programme(db, event, "", organiser)
    builder = f"/manage/events/{event.slug}/programme"

    organiser_client.post(f"/manage/events/{event.slug}/publish", {"published": "false"})
    organiser_client.post(f"/manage/events/{event.slug}/publish", {"published": "true"})
    db.rollback()
    speaker = db.get(type(speaker), speaker.id)
    speaker.bio = "Now leads the data governance group."
    db.add(speaker)
    db.commit()
    page = organiser_client.get(builder)
    release = organiser_client.post(f"/manage/events/{event.slug}/releases", {"note": "Again"})

    status = text_of(page.text.split('id="release-status"', 1)[1].split("</p>", 1)[0].split(">", 1)[1])
    assert status == "The public sees version 1, which is up to date."
    assert release.status_code == 422
    assert "Nothing has changed since version 1." in text_of(release.text)


def _double_book(db, event, room) -> None:
    for title in ("Opening keynote", "Poster walk"):
        make_session(
            db, event, title=title, room_id=room.id, start_at=at(event, 0, 9), end_at=at(event, 0, 10)
        )


def test_releasing_with_open_conflicts_lists_them_and_asks_for_confirmation(db, organiser, organiser_client):
    event, auditorium, _panel = organised_event(db, organiser)
    _double_book(db, event, auditorium)
    page = organiser_client.get(f"/manage/events/{event.slug}/releases")

    refused = organiser_client.post(f"/manage/events/{event.slug}/releases", {"note": "First"})
    db.rollback()
    nothing = db.exec(select(Release)).all()
    confirmed = organiser_client.post(
        f"/manage/events/{event.slug}/releases", {"note": "First", "confirm_conflicts": "on"}
    )

    assert "The draft has 1 open conflict:" in text_of(page.text)
    assert "Auditorium is booked twice" in text_of(page.text)
    assert refused.status_code == 422
    assert "The programme has 1 open conflict: confirm that the public may see it as it is." in text_of(
        refused.text
    )
    assert nothing == []
    assert confirmed.status_code == 303
    db.rollback()
    assert db.exec(select(Release.number)).all() == [1]


def test_publishing_a_draft_programme_with_conflicts_asks_first(db, organiser, organiser_client):
    event, auditorium, _panel = organised_event(db, organiser)
    event.is_published = False
    db.add(event)
    db.commit()
    _double_book(db, event, auditorium)

    refused = organiser_client.post(f"/manage/events/{event.slug}/publish", {"published": "true"})
    db.rollback()
    db.refresh(event)
    still_draft = event.is_published
    confirmed = organiser_client.post(
        f"/manage/events/{event.slug}/publish", {"published": "true", "confirm_conflicts": "true"}
    )
    db.rollback()
    db.refresh(event)

    assert refused.status_code == 409
    assert "Publish with open conflicts?" in refused.text
    assert "Auditorium is booked twice" in text_of(refused.text)
    assert still_draft is False
    assert confirmed.status_code == 303
    assert event.is_published is True


def test_publishing_after_a_release_does_not_ask_again(db, organiser, organiser_client):
    event, auditorium, _panel = organised_event(db, organiser)
    release_programme(db, event, "", organiser)
    _double_book(db, event, auditorium)  # draft edits after the release are not public
    event.is_published = False
    db.add(event)
    db.commit()

    response = organiser_client.post(f"/manage/events/{event.slug}/publish", {"published": "true"})

    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith(f"/manage/events/{event.slug}"), response.headers
    db.rollback()
    db.refresh(event)
    assert event.is_published is True


def test_versions_table_names_who_released_and_a_dash_only_for_the_command_line(
    db, organiser, organiser_client
):
    organiser.name = ""  # an organiser who never gave a name is named by their address
    db.add(organiser)
    db.commit()
    event, auditorium, _panel = organised_event(db, organiser)
    release_programme(db, event, "From the command line", None)
    make_session(
        db, event, title="Opening", room_id=auditorium.id, start_at=at(event, 0, 9), end_at=at(event, 0, 10)
    )

    organiser_client.post(f"/manage/events/{event.slug}/releases", {"note": "Opening added"})
    page = organiser_client.get(f"/manage/events/{event.slug}/releases")

    history = page.text.split('id="history-heading"', 1)[1]
    rows = [text_of(row) for row in re.findall(r"<tr><td>.*?</tr>", history, flags=re.S)]
    assert [row.split(" ")[0] for row in rows] == ["2", "1"]
    assert "organiser@example.org" in rows[0]
    assert "—" in rows[1]
    assert "—" not in rows[0]
