"""Programme versions without HTTP: what the public sees, what each release changed, SEQUENCE numbers."""

import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from app.db import DbSession, make_engine
from app.errors import InvalidInput
from app.programme import service as programme_service
from app.programme.changelog import ChangeKind, SessionChange, compare_programmes
from app.programme.models import Release, SessionRole
from app.programme.releases import (
    NothingToRelease,
    published_programme,
    release_history,
    release_programme,
    unreleased_changes,
)
from app.programme.snapshot import load_programme, programme_from_json, programme_to_json
from tests.factories import (
    add_role,
    at,
    make_event,
    make_hybrid_day,
    make_session,
    make_speaker,
    make_talk,
)


def titles(db: DbSession, event) -> list[str]:
    return [session.title for session in published_programme(db, event).data.sessions]


def test_before_any_release_the_public_programme_follows_the_draft(db):
    workshop = make_hybrid_day(db)
    event = workshop["event"]

    make_session(db, event, title="Late addition", start_at=at(event, 1, 9), end_at=at(event, 1, 10))

    assert published_programme(db, event).release is None
    assert titles(db, event) == ["Opening keynote", "Coffee", "Data governance panel", "Late addition"]


def test_after_a_release_draft_edits_stay_private_until_the_next_release(db, organiser):
    workshop = make_hybrid_day(db)
    event = workshop["event"]
    release_programme(db, event, "First programme", organiser)

    make_session(db, event, title="Late addition", start_at=at(event, 1, 9), end_at=at(event, 1, 10))
    before = titles(db, event)
    second = release_programme(db, event, "Late addition on day two", organiser)

    assert before == ["Opening keynote", "Coffee", "Data governance panel"]
    assert titles(db, event) == ["Opening keynote", "Coffee", "Data governance panel", "Late addition"]
    assert (second.number, second.note, second.session_count, second.released_by_id) == (
        2,
        "Late addition on day two",
        4,
        organiser.id,
    )


def test_releasing_nothing_new_is_refused_with_the_version_number(db, organiser):
    event = make_hybrid_day(db)["event"]
    release_programme(db, event, "", organiser)

    with pytest.raises(NothingToRelease) as refused:
        release_programme(db, event, "again", organiser)

    assert refused.value.message == "Nothing has changed since version 1."
    assert db.exec(select(Release.number)).all() == [1]


def test_an_empty_programme_cannot_be_released(db, organiser):
    event = make_event(db)

    with pytest.raises(NothingToRelease) as refused:
        release_programme(db, event, "", organiser)

    assert refused.value.message == "There is nothing to release yet: the programme has no sessions."


def test_a_note_longer_than_500_characters_is_refused_and_nothing_is_released(db, organiser):
    event = make_hybrid_day(db)["event"]

    with pytest.raises(InvalidInput) as refused:
        release_programme(db, event, "x" * 501, organiser)

    assert (refused.value.field, refused.value.message) == (
        "note",
        "The note can be at most 500 characters long.",
    )
    assert db.exec(select(Release)).all() == []


def test_a_speaker_profile_change_is_public_at_once_and_is_no_change_to_release(db, organiser):
    workshop = make_hybrid_day(db)
    event = workshop["event"]
    release_programme(db, event, "", organiser)
    chair = workshop["speakers"][0]
    chair.name = "Dr " + chair.name
    chair.bio = "Now heads the national research agency's health data programme."
    db.add(chair)
    db.commit()

    speaker = published_programme(db, event).data.index.speakers[chair.id]
    pending = unreleased_changes(db, event)
    with pytest.raises(NothingToRelease) as refused:
        release_programme(db, event, "Updated biographies", organiser)

    assert (speaker.name, speaker.bio) == (
        chair.name,
        "Now heads the national research agency's health data programme.",
    )
    assert (pending, refused.value.message) == ([], "Nothing has changed since version 1.")


def test_a_released_programme_keeps_its_sessions_when_a_speaker_edits_their_profile(db, organiser):
    workshop = make_hybrid_day(db)
    event = workshop["event"]
    release_programme(db, event, "", organiser)
    first = published_programme(db, event)
    make_session(db, event, title="Late addition", start_at=at(event, 1, 9), end_at=at(event, 1, 10))
    chair = workshop["speakers"][0]
    chair.affiliation = "National research agency"
    db.add(chair)
    db.commit()

    now = published_programme(db, event)

    assert now.version_key != first.version_key
    assert now.last_modified == first.last_modified
    assert titles(db, event) == ["Opening keynote", "Coffee", "Data governance panel"]
    assert now.data.index.speakers[chair.id].affiliation == "National research agency"


def test_the_changelog_tells_what_was_added_moved_cancelled_withdrawn_and_whose_speakers_changed(
    db, organiser
):
    workshop = make_hybrid_day(db)
    event = workshop["event"]
    plenary, salon = workshop["rooms"]
    keynote, panel, coffee = workshop["sessions"]
    chair, lee = workshop["speakers"]
    release_programme(db, event, "", organiser)

    programme_service.move_session(db, event, panel, room_id=plenary.id, start_at=at(event, 1, 11))
    programme_service.cancel_session(db, keynote)
    programme_service.delete_session(db, coffee)
    added = make_session(
        db, event, title="Closing remarks", start_at=at(event, 1, 17), end_at=at(event, 1, 17, 30)
    )
    add_role(db, panel, make_speaker(db, event, name="Nikolaus Rajewsky"))
    lee_role = db.exec(select(SessionRole).where(SessionRole.speaker_id == lee.id)).one()
    programme_service.remove_role(db, panel, lee_role)

    pending = unreleased_changes(db, event)
    release_programme(db, event, "Panel moved to day two", organiser)
    (latest, first) = release_history(db, event)

    panel_start = at(event, 1, 11)
    expected = [
        SessionChange(
            kind=ChangeKind.cancelled,
            session_id=keynote.id,
            uid=keynote.uid,
            title="Opening keynote",
            start_at=keynote.start_at,
            end_at=keynote.end_at,
            room="Amphithéâtre",
        ),
        SessionChange(
            kind=ChangeKind.changed,
            session_id=panel.id,
            uid=panel.uid,
            title="Data governance panel",
            start_at=panel_start,
            end_at=panel_start + timedelta(minutes=90),
            room="Amphithéâtre",
            old_start_at=at(event, 0, 14),
            old_end_at=at(event, 0, 15, 30),
            old_room="Salon Pasteur",
            speakers_added=("Nikolaus Rajewsky",),
            speakers_removed=("Sang-Heon Lee",),
        ),
        SessionChange(
            kind=ChangeKind.added,
            session_id=added.id,
            uid=added.uid,
            title="Closing remarks",
            start_at=added.start_at,
            end_at=added.end_at,
            room="",
        ),
        SessionChange(
            kind=ChangeKind.withdrawn,
            session_id=coffee.id,
            uid=coffee.uid,
            title="Coffee",
            start_at=coffee.start_at,
            end_at=coffee.end_at,
            room="",
        ),
    ]
    assert pending == expected
    assert (latest.info.number, latest.info.note, latest.changes) == (2, "Panel moved to day two", expected)
    assert (first.info.number, first.changes) == (1, [])


def test_sequence_rises_once_per_release_that_changes_a_session_and_withdrawn_sessions_keep_theirs(
    db, organiser
):
    workshop = make_hybrid_day(db)
    event = workshop["event"]
    plenary, salon = workshop["rooms"]
    keynote, panel, coffee = workshop["sessions"]
    release_programme(db, event, "", organiser)

    programme_service.move_session(db, event, panel, room_id=plenary.id, start_at=at(event, 1, 11))
    release_programme(db, event, "", organiser)
    make_talk(db, panel, title="TEHDAS and the European Health Data Space")
    programme_service.delete_session(db, coffee)
    release_programme(db, event, "", organiser)

    data = published_programme(db, event).data
    sequences = {session.title: session.sequence for session in data.sessions}
    assert sequences == {"Opening keynote": 0, "Data governance panel": 2}
    assert [(w.title, w.sequence) for w in data.withdrawn] == [("Coffee", 1)]


def test_a_released_programme_reads_back_from_storage_exactly(db, organiser):
    workshop = make_hybrid_day(db)
    make_talk(
        db,
        workshop["sessions"][1],
        title="A cloud-based hospital information system",
        start_at=at(workshop["event"], 0, 14),
        end_at=at(workshop["event"], 0, 14, 20),
    )
    data = load_programme(db, workshop["event"])

    assert programme_from_json(programme_to_json(data)) == data


def test_compare_of_identical_programmes_is_empty(db):
    event = make_hybrid_day(db)["event"]
    data = load_programme(db, event)

    assert compare_programmes(data, data) == []


def test_two_organisers_releasing_at_once_never_get_the_same_version(db, database_url, organiser):
    workshop = make_hybrid_day(db)
    event = workshop["event"]
    release_programme(db, event, "", organiser)
    make_session(db, event, title="Late addition", start_at=at(event, 1, 9), end_at=at(event, 1, 10))
    engine = make_engine(database_url)
    outcomes: list[object] = []
    start = threading.Barrier(2)

    def release() -> None:
        with DbSession(engine) as own_db:
            mine = own_db.get(type(event), event.id)
            start.wait()
            try:
                outcomes.append(release_programme(own_db, mine, "", None).number)
            except NothingToRelease as refused:
                outcomes.append(refused.message)

    threads = [threading.Thread(target=release) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()

    assert sorted(outcomes, key=str) == [2, "Nothing has changed since version 2."]
    db.rollback()
    assert db.exec(select(Release.number).order_by(Release.number)).all() == [1, 2]
