"""The public session, speaker and speakers pages, served like the programme page: rendered once per
version, 304 between versions, gzip, HEAD; and never older than the release, the profiles or the
materials they show."""

import gzip

import pytest

from app.events.models import Visibility
from app.materials.models import MaterialKind, MaterialVisibility
from app.materials.service import add_link_material, set_visibility
from app.programme.releases import release_programme
from app.web.caches import caches_of
from tests.factories import add_role, at, make_event, make_session, make_speaker

SLUG = "prelude-test"


@pytest.fixture
def conference(db):
    event = make_event(db)
    session = make_session(
        db,
        event,
        title="The promises of single-cell technologies",
        start_at=at(event, 0, 9),
        end_at=at(event, 0, 10),
        abstract="Single-cell **sequencing** at scale.",
    )
    speaker = make_speaker(
        db, event, name="Nikolaus Rajewsky", affiliation="MDC Berlin", bio="Systems biology."
    )
    add_role(db, session, speaker)
    release_programme(db, event, "", None)
    return {"event": event, "session": session, "speaker": speaker}


def pages(conference):
    return [
        f"/events/{SLUG}/sessions/{conference['session'].id}",
        f"/events/{SLUG}/speakers/{conference['speaker'].id}",
        f"/events/{SLUG}/speakers",
    ]


def plain(client, path, **headers):
    return client.get(path, headers={"accept-encoding": "identity", **headers})


def test_pages_answer_304_to_their_etag_in_every_form_clients_send(client, conference):
    for path in pages(conference):
        first = plain(client, path)
        etag = first.headers["etag"]
        assert first.status_code == 200
        assert first.headers["cache-control"] == "public, no-cache"
        assert "Accept-Encoding" in first.headers["vary"]
        assert "Cookie" in first.headers["vary"]
        for sent in (etag, etag.strip('"'), f"W/{etag}", f'"other", {etag}'):
            again = plain(client, path, **{"if-none-match": sent})
            assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag), path
        other = plain(client, path, **{"if-none-match": '"something-else"'})
        assert other.status_code == 200


def test_anonymous_pages_are_rendered_once_per_version_and_carry_no_csrf_token(app, client, conference):
    detail_pages = caches_of(app).detail_pages
    for path in pages(conference):
        builds = detail_pages.misses
        first, second = plain(client, path), plain(client, path)
        assert first.content == second.content
        assert detail_pages.misses == builds + 1
        assert "X-CSRF-Token" not in first.text
        assert "set-cookie" not in first.headers


def test_gzip_is_served_when_accepted_with_its_own_strong_tag(client, conference):
    for path in pages(conference):
        raw = plain(client, path)
        # httpx decompresses; the stream's own bytes are what travelled.
        with client.stream("GET", path, headers={"accept-encoding": "gzip"}) as zipped:
            travelled = b"".join(zipped.iter_raw())
            headers = zipped.headers
        assert headers["content-encoding"] == "gzip"
        assert headers["etag"] == raw.headers["etag"].removesuffix('"') + '-gzip"'
        assert gzip.decompress(travelled) == raw.content
        assert len(travelled) < len(raw.content)
        # Either tag names the same version.
        answer = client.get(path, headers={"accept-encoding": "gzip", "if-none-match": raw.headers["etag"]})
        assert (answer.status_code, answer.headers["etag"]) == (304, headers["etag"])


def test_head_answers_the_headers_of_get_without_a_body(client, conference):
    for path in pages(conference):
        get = plain(client, path)
        head = client.head(path, headers={"accept-encoding": "identity"})
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["etag"] == get.headers["etag"]
        assert head.headers["content-length"] == str(len(get.content))
        assert head.headers["content-type"] == "text/html; charset=utf-8"


def test_a_new_release_changes_the_etag_and_the_page(db, client, conference):
    event, session = conference["event"], conference["session"]
    path = f"/events/{SLUG}/sessions/{session.id}"
    before = plain(client, path)

    session.title = "Single cells, revisited"
    db.add(session)
    db.commit()
    # A draft edit is not public until it is released.
    unreleased = plain(client, path, **{"if-none-match": before.headers["etag"]})
    assert unreleased.status_code == 304

    release_programme(db, event, "", None)
    after = plain(client, path, **{"if-none-match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert "Single cells, revisited" in after.text
    assert "The promises of single-cell technologies" not in after.text


def test_a_profile_edit_shows_at_once_on_every_page_naming_the_speaker(db, client, conference):
    speaker = conference["speaker"]
    before = {path: plain(client, path) for path in pages(conference)}

    speaker.name = "Nikolaus Rajewsky-Meyer"
    db.add(speaker)
    db.commit()

    for path, old in before.items():
        now = plain(client, path, **{"if-none-match": old.headers["etag"]})
        assert now.status_code == 200, path
        assert now.headers["etag"] != old.headers["etag"]
        assert "Nikolaus Rajewsky-Meyer" in now.text


def test_publishing_a_material_changes_the_session_and_speaker_pages(db, client, conference):
    session, speaker = conference["session"], conference["speaker"]
    session_path = f"/events/{SLUG}/sessions/{session.id}"
    speaker_path = f"/events/{SLUG}/speakers/{speaker.id}"
    before = {path: plain(client, path) for path in (session_path, speaker_path)}

    material = add_link_material(
        db,
        session,
        talk_id=None,
        speaker=speaker,
        kind=MaterialKind.recording,
        title="Recording of the keynote",
        url="https://video.example.org/keynote",
        visibility=MaterialVisibility.hidden,
    )
    # Not public: nothing changed for the public.
    for path, old in before.items():
        assert plain(client, path, **{"if-none-match": old.headers["etag"]}).status_code == 304

    set_visibility(db, material, MaterialVisibility.public)
    for path, old in before.items():
        now = plain(client, path, **{"if-none-match": old.headers["etag"]})
        assert now.status_code == 200, path
        assert "Recording of the keynote" in now.text

    material.title = "Keynote, recorded"
    db.add(material)
    db.commit()
    for path in before:
        assert "Keynote, recorded" in plain(client, path).text


def test_the_viewer_zone_is_part_of_the_version(client, conference):
    path = f"/events/{SLUG}/sessions/{conference['session'].id}"
    event_zone = plain(client, path)
    tokyo = plain(client, f"{path}?tz=Asia/Tokyo", **{"if-none-match": event_zone.headers["etag"]})
    assert tokyo.status_code == 200
    assert "Asia/Tokyo".replace("_", " ") in tokyo.text


def test_a_logged_in_visitor_gets_their_own_page_still_answered_with_304(organiser_client, conference):
    for path in pages(conference):
        first = organiser_client.get(path, headers={"accept-encoding": "gzip"})
        assert first.status_code == 200
        assert first.headers["cache-control"] == "private, no-cache"
        assert "Log out" in first.text
        again = organiser_client.get(path, headers={"if-none-match": first.headers["etag"]})
        assert again.status_code == 304


@pytest.mark.parametrize("hidden", [{"is_published": False}, {"visibility": Visibility.invitation_only}])
def test_drafts_and_invitation_only_events_still_answer_404(db, client, hidden):
    event = make_event(db, **hidden)
    session = make_session(db, event, start_at=at(event, 0, 9), end_at=at(event, 0, 10))
    speaker = make_speaker(db, event)
    add_role(db, session, speaker)
    for path in (
        f"/events/{SLUG}/sessions/{session.id}",
        f"/events/{SLUG}/speakers/{speaker.id}",
        f"/events/{SLUG}/speakers",
    ):
        assert client.get(path).status_code == 404
        assert client.head(path).status_code == 404
        assert client.get(path, headers={"if-none-match": "*"}).status_code == 404


def test_a_session_or_speaker_not_in_the_release_is_a_404_and_is_not_cached(db, client, conference):
    event = conference["event"]
    # Added to the draft after the release: not public yet.
    added = make_session(db, event, title="Late addition", start_at=at(event, 1, 9), end_at=at(event, 1, 10))
    for path in (f"/events/{SLUG}/sessions/{added.id}", f"/events/{SLUG}/speakers/999999"):
        assert plain(client, path).status_code == 404
        assert plain(client, path).status_code == 404


def test_the_programme_page_answers_head_too(client, conference):
    path = f"/events/{SLUG}/programme"
    get = plain(client, path)
    head = client.head(path, headers={"accept-encoding": "identity"})
    assert (head.status_code, head.content, head.headers["etag"]) == (200, b"", get.headers["etag"])
    assert head.headers["last-modified"] == get.headers["last-modified"]
