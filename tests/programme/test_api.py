"""The read-only programme API: JSON shapes, visibility, unknown ids and privacy."""

import pytest

from app.events.models import Visibility
from app.programme.models import RoleKind, SessionKind
from tests.factories import (
    add_role,
    at,
    make_event,
    make_room,
    make_session,
    make_speaker,
    make_talk,
    make_track,
)

PRIVATE_EMAIL = "annarita.private@example.org"


def build_conference(db):
    event = make_event(db)
    room = make_room(db, event, name="Auditorium", capacity=300)
    track = make_track(db, event, name="Genomics", colour="#8b1f4b")
    keynote = make_session(
        db,
        event,
        title="Genome editing approaches",
        kind=SessionKind.keynote,
        room_id=room.id,
        track_id=track.id,
        start_at=at(event, 0, 9),
        end_at=at(event, 0, 10),
        abstract="Gene therapies.",
    )
    talk = make_talk(db, keynote, title="β-hemoglobinopathies", position=1)
    miccio = make_speaker(
        db,
        event,
        name="Annarita Miccio",
        affiliation="Imagine Institute",
        email=PRIVATE_EMAIL,
        bio="Gene therapy.",
    )
    ferrua = make_speaker(
        db, event, name="Francesca Ferrua", affiliation="San Raffaele", email="ff@example.org"
    )
    add_role(db, keynote, miccio, role=RoleKind.chair)
    add_role(db, keynote, ferrua, talk_id=talk.id, is_remote=True)
    forum = make_session(
        db,
        event,
        title="Stakeholder Forum",
        start_at=at(event, 1, 9),
        end_at=at(event, 1, 10),
        is_cancelled=True,
    )
    return {"event": event, "room": room, "track": track, "sessions": (keynote, forum), "talk": talk,
            "speakers": (miccio, ferrua)}  # fmt: skip


def keynote_json(conference):
    keynote, _forum = conference["sessions"]
    miccio, ferrua = conference["speakers"]
    return {
        "id": keynote.id,
        "uid": keynote.uid,
        "title": "Genome editing approaches",
        "kind": "keynote",
        "start_at": "2022-10-05T07:00:00Z",
        "end_at": "2022-10-05T08:00:00Z",
        "timezone": "Europe/Paris",
        "room": {"id": conference["room"].id, "name": "Auditorium", "capacity": 300},
        "track": {"id": conference["track"].id, "name": "Genomics", "colour": "#8b1f4b"},
        "abstract": "Gene therapies.",
        "is_cancelled": False,
        "roles": [
            {
                "speaker_id": miccio.id,
                "name": "Annarita Miccio",
                "affiliation": "Imagine Institute",
                "role": "chair",
                "is_remote": False,
            }
        ],
        "talks": [
            {
                "id": conference["talk"].id,
                "title": "β-hemoglobinopathies",
                "abstract": "",
                "position": 1,
                "start_at": None,
                "end_at": None,
                "roles": [
                    {
                        "speaker_id": ferrua.id,
                        "name": "Francesca Ferrua",
                        "affiliation": "San Raffaele",
                        "role": "speaker",
                        "is_remote": True,
                    }
                ],
            }
        ],
    }


def test_api_programme_lists_every_session_with_talks_and_roles(db, client):
    conference = build_conference(db)
    _keynote, forum = conference["sessions"]

    response = client.get("/api/events/prelude-test/programme")

    assert response.status_code == 200
    assert response.json() == {
        "event": "prelude-test",
        "timezone": "Europe/Paris",
        "day": None,
        "days": ["2022-10-05", "2022-10-06"],
        "sessions": [
            keynote_json(conference),
            {
                "id": forum.id,
                "uid": forum.uid,
                "title": "Stakeholder Forum",
                "kind": "themed",
                "start_at": "2022-10-06T07:00:00Z",
                "end_at": "2022-10-06T08:00:00Z",
                "timezone": "Europe/Paris",
                "room": None,
                "track": None,
                "abstract": "Health Data Hub, TEHDAS and the European Health Data Space.",
                "is_cancelled": True,
                "roles": [],
                "talks": [],
            },
        ],
    }


def test_api_programme_of_one_day(db, client):
    build_conference(db)

    response = client.get("/api/events/prelude-test/programme?day=2022-10-06")

    assert (response.status_code, [s["title"] for s in response.json()["sessions"]]) == (
        200,
        ["Stakeholder Forum"],
    )


@pytest.mark.parametrize(
    ("day", "detail"),
    [
        ("2030-01-01", "The programme has no day 2030-01-01; its days are 2022-10-05, 2022-10-06."),
        (
            "tomorrow",
            [
                {
                    "loc": ["query", "day"],
                    "msg": "Input should be a valid date or datetime, input is too short",
                }
            ],
        ),
    ],
    ids=["unknown-day", "not-a-date"],
)
def test_api_programme_bad_day_is_a_422_with_detail(db, client, day, detail):
    build_conference(db)

    response = client.get(f"/api/events/prelude-test/programme?day={day}")

    assert (response.status_code, response.json()) == (422, {"detail": detail})


def test_api_session_gives_one_session(db, client):
    conference = build_conference(db)
    keynote, _forum = conference["sessions"]

    response = client.get(f"/api/events/prelude-test/sessions/{keynote.id}")

    assert (response.status_code, response.json()) == (200, keynote_json(conference))


def test_api_speakers_lists_speakers_by_name_without_emails(db, client):
    conference = build_conference(db)
    miccio, ferrua = conference["speakers"]
    make_speaker(db, conference["event"], name="Aaron Without Role", email="aaron@example.org")

    response = client.get("/api/events/prelude-test/speakers")

    assert (response.status_code, response.json()) == (
        200,
        [
            {
                "id": miccio.id,
                "name": "Annarita Miccio",
                "affiliation": "Imagine Institute",
                "bio": "Gene therapy.",
                "photo_url": None,
            },
            {
                "id": ferrua.id,
                "name": "Francesca Ferrua",
                "affiliation": "San Raffaele",
                "bio": "Works on hospital information systems.",
                "photo_url": None,
            },
        ],
    )


def test_api_speaker_gives_their_sessions(db, client):
    conference = build_conference(db)
    _miccio, ferrua = conference["speakers"]

    response = client.get(f"/api/events/prelude-test/speakers/{ferrua.id}")

    body = response.json()
    assert response.status_code == 200
    assert {key: value for key, value in body.items() if key != "sessions"} == {
        "id": ferrua.id,
        "name": "Francesca Ferrua",
        "affiliation": "San Raffaele",
        "bio": "Works on hospital information systems.",
        "photo_url": None,
    }
    assert body["sessions"] == [keynote_json(conference)]


def test_api_rooms_and_tracks(db, client):
    conference = build_conference(db)

    rooms = client.get("/api/events/prelude-test/rooms")
    tracks = client.get("/api/events/prelude-test/tracks")

    assert (rooms.status_code, rooms.json()) == (
        200,
        [{"id": conference["room"].id, "name": "Auditorium", "capacity": 300}],
    )
    assert (tracks.status_code, tracks.json()) == (
        200,
        [{"id": conference["track"].id, "name": "Genomics", "colour": "#8b1f4b"}],
    )


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        (
            "sessions/999999",
            "This session is not part of the programme of Prelude to the Future of Medicine.",
        ),
        ("speakers/999999", "This speaker is not on the programme of Prelude to the Future of Medicine."),
    ],
    ids=["session", "speaker"],
)
def test_api_unknown_ids_are_404_with_detail(db, client, path, detail):
    build_conference(db)

    response = client.get(f"/api/events/prelude-test/{path}")

    assert (response.status_code, response.json()) == (404, {"detail": detail})


def test_api_session_of_another_event_is_404(db, client):
    build_conference(db)
    other = make_event(db, slug="other-event")
    foreign = make_session(db, other, title="Elsewhere")

    response = client.get(f"/api/events/prelude-test/sessions/{foreign.id}")

    assert (response.status_code, response.json()) == (
        404,
        {"detail": "This session is not part of the programme of Prelude to the Future of Medicine."},
    )


@pytest.mark.parametrize(
    "overrides",
    [{"is_published": False}, {"visibility": Visibility.invitation_only}],
    ids=["draft", "invitation-only"],
)
def test_api_of_hidden_events_is_404(db, client, overrides):
    event = make_event(db, slug="hidden", **overrides)
    session = make_session(db, event)
    speaker = make_speaker(db, event)
    add_role(db, session, speaker)

    responses = [
        client.get(f"/api/events/hidden/{path}")
        for path in (
            "programme",
            f"sessions/{session.id}",
            "speakers",
            f"speakers/{speaker.id}",
            "rooms",
            "tracks",
        )
    ]

    assert [(r.status_code, r.json()) for r in responses] == [
        (404, {"detail": "There is no public event at this address."})
    ] * 6


def test_api_unlisted_event_answers_by_link_but_is_not_listed(db, client):
    event = make_event(db, slug="unlisted", visibility=Visibility.unlisted)
    make_session(db, event, title="By the link only")

    programme = client.get("/api/events/unlisted/programme")
    listing = client.get("/api/events")

    assert (programme.status_code, [s["title"] for s in programme.json()["sessions"]]) == (
        200,
        ["By the link only"],
    )
    assert [e["slug"] for e in listing.json()["upcoming"] + listing.json()["past"]] == []


def test_api_never_exposes_a_speaker_email(db, client):
    conference = build_conference(db)
    keynote, forum = conference["sessions"]
    miccio, ferrua = conference["speakers"]

    bodies = [
        client.get(f"/api/events/prelude-test/{path}").text
        for path in (
            "programme",
            "programme?day=2022-10-05",
            f"sessions/{keynote.id}",
            f"sessions/{forum.id}",
            "speakers",
            f"speakers/{miccio.id}",
            f"speakers/{ferrua.id}",
            "rooms",
            "tracks",
        )
    ]

    assert ["@example.org" in body or "email" in body for body in bodies] == [False] * len(bodies)


def test_api_programme_is_documented(client):
    schema = client.get("/openapi.json").json()

    paths = {path for path in schema["paths"] if path.startswith("/api/events/{slug}/")}
    assert paths >= {
        "/api/events/{slug}/programme",
        "/api/events/{slug}/sessions/{session_id}",
        "/api/events/{slug}/speakers",
        "/api/events/{slug}/speakers/{speaker_id}",
        "/api/events/{slug}/rooms",
        "/api/events/{slug}/tracks",
    }
    assert schema["paths"]["/api/events/{slug}/programme"]["get"]["description"].startswith(
        "Every session of the event in time order"
    )
    assert "email" not in str(schema["components"]["schemas"]["SpeakerPublic"])
