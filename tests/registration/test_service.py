"""Registering, changing, switching mode, cancelling and deleting personal data, without HTTP."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from app.db import DbSession, utcnow
from app.errors import DomainError
from app.events.models import AttendanceMode, Event, Visibility
from app.programme.models import SessionKind
from app.registration import invitations, service
from app.registration.links import registration_for_manage_token
from app.registration.models import (
    Answer,
    AttendanceChoice,
    Invitation,
    QuestionKind,
    Registration,
    RegistrationForm,
    RegistrationStatus,
    SessionChoice,
)
from app.registration.service import (
    AttendeeChanges,
    RegistrationClosed,
    delete_personal_data,
    switch_mode,
    update_registration,
)
from tests.conftest import SmtpServer
from tests.factories import make_event, make_session
from tests.registration.manage_factories import make_question, make_registration_form
from tests.registration.public_factories import (
    SECRET_KEY,
    links,
    mail_text,
    manage_path_in,
    register,
    reload,
    subjects,
)


def test_registration_before_opening_is_refused_with_the_date(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db, timezone="Europe/Paris")
    opens = utcnow() + timedelta(days=2)
    make_registration_form(db, event, opens_at=opens)

    with pytest.raises(RegistrationClosed) as refusal:
        register(db, event, smtp, now=opens - timedelta(minutes=1))
    accepted = register(db, event, smtp, now=opens).registration

    assert refusal.value.message.startswith("Registration opens on ")
    assert accepted.status == RegistrationStatus.confirmed


def test_registration_after_closing_is_refused(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    closes = utcnow()
    make_registration_form(db, event, closes_at=closes)

    register(db, event, smtp, 1, now=closes - timedelta(seconds=1))
    with pytest.raises(RegistrationClosed) as refusal:
        register(db, event, smtp, 2, now=closes)

    assert refusal.value.message.startswith("Registration closed on ")
    db.rollback()
    assert [r.email for r in db.exec(select(Registration))] == ["attendee1@example.org"]


def test_registration_without_closing_date_closes_when_the_event_ends(
    db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db, start_date=date(2022, 10, 5), end_date=date(2022, 10, 6), timezone="Europe/Paris")
    make_registration_form(db, event, closes_at=None)
    last_day_ends = datetime(2022, 10, 6, 22, 0, tzinfo=UTC)  # midnight in Paris

    register(db, event, smtp, 1, now=last_day_ends - timedelta(seconds=1))
    with pytest.raises(RegistrationClosed) as refusal:
        register(db, event, smtp, 2, now=last_day_ends)

    assert refusal.value.message == "Registration closed on Friday 7 October 2022, 00:00 CEST."


def test_registration_of_a_form_not_opened_is_refused(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event, is_open=False)

    with pytest.raises(RegistrationClosed) as refusal:
        register(db, event, smtp)

    assert refusal.value.message == "Registration for this event is not open."


def test_second_registration_with_the_same_email_changes_nothing_and_resends_the_link(
    db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    first = register(db, event, smtp, 1, name="Original Name").registration

    again = register(
        db, event, smtp, 1, name="Other Name", email="ATTENDEE1@example.org ", mode=AttendanceChoice.online
    )

    assert (again.is_new, again.registration.id) == (False, first.id)
    db.rollback()
    saved = db.exec(select(Registration)).all()
    assert [(r.name, r.mode) for r in saved] == [("Original Name", AttendanceChoice.in_person)]
    assert subjects(smtp)[-1] == f"Your registration for {event.title}"
    assert "nothing changed" in " ".join(mail_text(smtp.messages[-1]).split())
    token = manage_path_in(mail_text(smtp.messages[-1])).removeprefix("/registrations/")
    assert registration_for_manage_token(db, SECRET_KEY, token).id == first.id


def test_simultaneous_submissions_of_one_email_create_one_registration(
    engine: Engine, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    outcomes: list[bool] = []

    def submit() -> None:
        with DbSession(engine, expire_on_commit=False) as own:
            outcomes.append(register(own, own.get(Event, event.id), smtp, 7).is_new)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    db.rollback()
    assert sorted(outcomes) == [False] * 7 + [True]
    assert len(db.exec(select(Registration)).all()) == 1


def test_an_address_registered_between_the_early_check_and_the_lock_gets_its_link_again(
    db: DbSession, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The early check saw no registration; by the time the lock was taken one was saved: the unique
    index refuses the second (at the flush, or on PostgreSQL with the commit sent in one round trip), and
    the person gets their link again."""
    event = make_event(db)
    make_registration_form(db, event)
    first = register(db, event, smtp, 3).registration
    real_lookup = service._active_registration
    lookups: list[str] = []

    def read_before_the_first_was_saved(own: DbSession, at: Event, email: str) -> Registration | None:
        lookups.append(email)
        return None if len(lookups) == 1 else real_lookup(own, at, email)

    monkeypatch.setattr(service, "_active_registration", read_before_the_first_was_saved)
    again = register(db, event, smtp, 3)

    assert (again.is_new, again.registration.id) == (False, first.id)
    db.rollback()
    assert [r.id for r in db.exec(select(Registration)).all()] == [first.id]
    assert "nothing changed" in " ".join(mail_text(smtp.messages[-1]).split())


def test_seats_lowered_while_someone_registers_count_under_the_lock(
    engine: Engine, db: DbSession, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form read before the event's lock said 5 seats; the organiser closed them all before the
    lock was taken: the newcomer waits, as the form says when the seat is counted."""
    event = make_event(db)
    form = make_registration_form(db, event, in_person_seats=5, waiting_list=True)
    real_form_of = service.registration_form_of

    def organiser_lowers_the_seats_meanwhile(own: DbSession, at: Event) -> RegistrationForm | None:
        early = real_form_of(own, at)
        with DbSession(engine) as organiser:
            changed = organiser.get(RegistrationForm, form.id)
            assert changed is not None
            changed.in_person_seats = 0
            organiser.add(changed)
            organiser.commit()
        return early

    monkeypatch.setattr(service, "registration_form_of", organiser_lowers_the_seats_meanwhile)
    outcome = register(db, event, smtp, 4)

    assert outcome.registration.status == RegistrationStatus.waiting
    db.rollback()
    db.expire_all()
    assert db.get(RegistrationForm, form.id).in_person_seats == 0


def test_a_cancelled_person_may_register_again(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    first = register(db, event, smtp, 1).registration
    first.status = RegistrationStatus.cancelled
    db.add(first)
    db.commit()

    again = register(db, event, smtp, 1)

    assert again.is_new
    assert again.registration.id != first.id


def test_consent_is_required(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event)

    with pytest.raises(DomainError) as refusal:
        register(db, event, smtp, consent=False)

    assert refusal.value.field == "consent"


@pytest.mark.parametrize(
    ("attendance", "given", "expected"),
    [
        (AttendanceMode.online, None, AttendanceChoice.online),
        (AttendanceMode.in_person, None, AttendanceChoice.in_person),
        (AttendanceMode.hybrid, AttendanceChoice.online, AttendanceChoice.online),
    ],
    ids=["online-event", "in-person-event", "hybrid-choice"],
)
def test_mode_follows_the_event(
    db: DbSession,
    smtp: SmtpServer,
    attendance: AttendanceMode,
    given: AttendanceChoice | None,
    expected: AttendanceChoice,
) -> None:
    event = make_event(db, attendance_mode=attendance)
    make_registration_form(db, event)

    registration = register(db, event, smtp, mode=given).registration

    assert registration.mode == expected


def test_online_event_refuses_in_person_attendance(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db, attendance_mode=AttendanceMode.online)
    make_registration_form(db, event)

    with pytest.raises(DomainError) as refusal:
        register(db, event, smtp, mode=AttendanceChoice.in_person)

    assert (refusal.value.message, refusal.value.field) == ("This event is attended online only.", "mode")


def test_hybrid_event_needs_a_mode(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db, attendance_mode=AttendanceMode.hybrid)
    make_registration_form(db, event)

    with pytest.raises(DomainError) as refusal:
        register(db, event, smtp, mode=None)

    assert refusal.value.field == "mode"


def test_required_question_and_choice_options_are_checked(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    required = make_question(db, event, label="Dietary requirements", is_required=True)
    single = make_question(db, event, label="Day", kind=QuestionKind.single_choice, options="Mon\nTue")

    with pytest.raises(DomainError) as missing:
        register(db, event, smtp, answers={single.id: ["Mon"]})
    with pytest.raises(DomainError) as unknown:
        register(db, event, smtp, answers={required.id: ["None"], single.id: ["Sun"]})
    saved = register(db, event, smtp, answers={required.id: ["None"], single.id: ["Tue"]}).registration

    assert (missing.value.field, unknown.value.field) == (f"question_{required.id}", f"question_{single.id}")
    db.rollback()
    answers = {
        a.question_id: a.value for a in db.exec(select(Answer).where(Answer.registration_id == saved.id))
    }
    assert answers == {required.id: "None", single.id: "Tue"}


def _invitation_only_event(db: DbSession) -> Event:
    event = make_event(
        db, visibility=Visibility.invitation_only, attendance_mode=AttendanceMode.in_person, slug="board"
    )
    make_registration_form(db, event)
    return event


def test_invitation_only_event_refuses_without_invitation(db: DbSession, smtp: SmtpServer) -> None:
    event = _invitation_only_event(db)

    with pytest.raises(DomainError) as refusal:
        register(db, event, smtp)

    assert refusal.value.field == "invitation"
    db.rollback()
    assert db.exec(select(Registration)).all() == []


def test_invitation_is_spent_and_a_second_click_is_the_same_registration(
    db: DbSession, smtp: SmtpServer
) -> None:
    event = _invitation_only_event(db)
    invitation = invitations.create_invitation(
        db, event, "attendee1@example.org", "Attendee 1", utcnow() + timedelta(days=7), links()
    )
    token = invitations.invitation_token(SECRET_KEY, invitation)

    first = register(db, event, smtp, 1, invitation=token)
    second = register(db, event, smtp, 1, invitation=token)
    with pytest.raises(DomainError) as reuse:
        register(db, event, smtp, 2, invitation=token)

    assert (first.is_new, second.is_new, second.registration.id) == (True, False, first.registration.id)
    assert reuse.value.field == "invitation"
    db.rollback()
    assert db.get(Invitation, invitation.id).used_at is not None


def test_an_invitee_who_cancelled_registers_again_with_the_same_invitation(
    db: DbSession, smtp: SmtpServer
) -> None:
    from app.registration.service import cancel_registration

    event = _invitation_only_event(db)
    invitation = invitations.create_invitation(
        db, event, "attendee1@example.org", "Attendee 1", utcnow() + timedelta(days=7), links()
    )
    token = invitations.invitation_token(SECRET_KEY, invitation)
    first = register(db, event, smtp, 1, invitation=token).registration
    cancel_registration(db, event, first, links=links())

    again = register(db, event, smtp, 1, invitation=token)
    with pytest.raises(DomainError) as other:
        register(db, event, smtp, 2, invitation=token)

    assert again.is_new
    assert other.value.field == "invitation"
    db.rollback()
    statuses = [r.status for r in db.exec(select(Registration).order_by(Registration.id))]
    assert statuses == [RegistrationStatus.cancelled, RegistrationStatus.confirmed]


def test_switch_mode_moves_the_seat_when_a_place_is_free(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=1, online_places=1)
    person = register(db, event, smtp, 1, mode=AttendanceChoice.in_person).registration
    waiting = register(db, event, smtp, 2, mode=AttendanceChoice.in_person).registration

    switch_mode(db, event, person, AttendanceChoice.online, links=links())

    assert (reload(db, person).mode, reload(db, person).status) == (
        AttendanceChoice.online,
        RegistrationStatus.confirmed,
    )
    assert reload(db, waiting).status == RegistrationStatus.confirmed


def test_switch_mode_to_a_full_mode_is_refused_and_keeps_the_seat(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=5, online_places=1)
    register(db, event, smtp, 1, mode=AttendanceChoice.online)
    person = register(db, event, smtp, 2, mode=AttendanceChoice.in_person).registration

    with pytest.raises(DomainError) as refusal:
        switch_mode(db, event, person, AttendanceChoice.online, links=links())

    assert refusal.value.field == "mode"
    assert (reload(db, person).mode, reload(db, person).status) == (
        AttendanceChoice.in_person,
        RegistrationStatus.confirmed,
    )


def test_update_registration_changes_answers(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    diet = make_question(db, event, label="Dietary requirements")
    person = register(db, event, smtp, answers={diet.id: ["Vegan"]}).registration

    update_registration(
        db,
        event,
        person,
        AttendeeChanges(
            name="New Name", affiliation="EATRIS", country="NL", answers={diet.id: ["None"]}, session_ids=[]
        ),
        links=links(),
    )

    fresh = reload(db, person)
    assert (fresh.name, fresh.affiliation, fresh.country) == ("New Name", "EATRIS", "NL")
    assert [a.value for a in db.exec(select(Answer).where(Answer.registration_id == person.id))] == ["None"]


def test_delete_personal_data_erases_it_frees_the_seat_and_kills_the_links(
    db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=1)
    diet = make_question(db, event, label="Dietary requirements")
    panel = make_session(db, event, kind=SessionKind.workshop, seat_limit=10)
    person = register(db, event, smtp, 1, answers={diet.id: ["Vegan"]}, session_ids=[panel.id]).registration
    waiting = register(db, event, smtp, 2).registration
    old_token = manage_path_in(mail_text(smtp.messages[0])).removeprefix("/registrations/")

    delete_personal_data(db, event, person, links=links())

    fresh = reload(db, person)
    assert (fresh.name, fresh.email, fresh.affiliation, fresh.country, fresh.status) == (
        "",
        f"deleted-{person.id}@deleted.invalid",
        "",
        "",
        RegistrationStatus.cancelled,
    )
    assert db.exec(select(Answer).where(Answer.registration_id == person.id)).all() == []
    assert db.exec(select(SessionChoice).where(SessionChoice.registration_id == person.id)).all() == []
    assert reload(db, waiting).status == RegistrationStatus.confirmed
    with pytest.raises(DomainError):
        registration_for_manage_token(db, SECRET_KEY, old_token)
