"""What organisers read about registrations: the list with its counts, searches and filters.

Every function here runs a fixed number of queries, however many people registered.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, or_
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.db import DbSession
from app.events.models import Event
from app.programme.models import Session
from app.registration.attendee_programme import (  # noqa: F401 - the attendee's pages read them here
    AttendeeSession,
    StreamLink,
    attendee_sessions,
    stream_links,
)
from app.registration.capacity import is_chosen_at_registration
from app.registration.models import (
    SEAT_HOLDING_STATUSES,
    Answer,
    AttendanceChoice,
    ChoiceStatus,
    Invitation,
    Question,
    Registration,
    RegistrationForm,
    RegistrationStatus,
    SessionChoice,
)


@dataclass(frozen=True)
class RegistrationFilters:
    """What the organiser typed in the search box and chose in the filters; empty means "all"."""

    search: str = ""
    status: RegistrationStatus | None = None
    mode: AttendanceChoice | None = None
    session_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return not self.search and self.status is None and self.mode is None and self.session_id is None


@dataclass
class ModeCounts:
    mode: AttendanceChoice
    confirmed: int = 0
    pending: int = 0
    waiting: int = 0
    cancelled: int = 0
    limit: int | None = None

    @property
    def seats_taken(self) -> int:
        return self.confirmed + self.pending


@dataclass(frozen=True)
class SessionCounts:
    session: Session
    seats_taken: int  # in the room: online attendees take no seat
    waiting: int
    online: int = 0  # online attendees following the session

    @property
    def seat_limit(self) -> int | None:
        return self.session.seat_limit


@dataclass(frozen=True)
class ChosenSession:
    session_id: int
    title: str
    status: ChoiceStatus


@dataclass(frozen=True)
class RegistrationRow:
    registration: Registration
    sessions: list[ChosenSession] = field(default_factory=list)


@dataclass(frozen=True)
class RegistrationList:
    rows: list[RegistrationRow]
    modes: list[ModeCounts]
    sessions: list[SessionCounts]
    filters: RegistrationFilters
    total: int  # registrations of the event, whatever the filters


# Built once, run with the event's id: every registration reads both, and building a statement costs
# more than running one this small.
_FORM_OF_EVENT = select(RegistrationForm).where(RegistrationForm.event_id == bindparam("event_id"))
_QUESTIONS_OF_EVENT = (
    select(Question)
    .where(Question.event_id == bindparam("event_id"))
    .order_by(col(Question.position), col(Question.id))
)


def registration_form_of(db: DbSession, event: Event) -> RegistrationForm | None:
    return db.exec(_FORM_OF_EVENT, params={"event_id": event.id}).first()


def questions_of(db: DbSession, event: Event) -> list[Question]:
    return list(db.exec(_QUESTIONS_OF_EVENT, params={"event_id": event.id}))


def registration_in_event(db: DbSession, event: Event, registration_id: int) -> Registration | None:
    """The registration, only if it belongs to this event: another event's id finds nothing."""
    statement = select(Registration).where(
        Registration.id == registration_id, Registration.event_id == event.id
    )
    return db.exec(statement).first()


def sessions_with_seats_counted(db: DbSession, event: Event) -> list[Session]:
    """Sessions people choose a seat in (still on), and any that someone already chose."""
    chosen = select(SessionChoice.session_id)
    offered = is_chosen_at_registration() & col(Session.is_cancelled).is_(False)
    statement = (
        select(Session)
        .where(Session.event_id == event.id)
        .where(or_(offered, col(Session.id).in_(chosen)))
        .order_by(col(Session.start_at), col(Session.title))
    )
    return list(db.exec(statement))


def mode_counts(db: DbSession, event: Event, form: RegistrationForm | None) -> list[ModeCounts]:
    """Confirmed, pending, waiting and cancelled registrations for each attendance mode."""
    statement = (
        select(Registration.mode, Registration.status, func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.mode, Registration.status)
    )
    counts = {
        AttendanceChoice.in_person: ModeCounts(
            AttendanceChoice.in_person, limit=form.in_person_seats if form else None
        ),
        AttendanceChoice.online: ModeCounts(
            AttendanceChoice.online, limit=form.online_places if form else None
        ),
    }
    for mode, status, number in db.exec(statement):
        line = counts[AttendanceChoice(mode)]
        if status in (RegistrationStatus.confirmed, RegistrationStatus.pending, RegistrationStatus.waiting):
            setattr(line, str(status), number)
        elif status == RegistrationStatus.cancelled:
            line.cancelled += number
    return list(counts.values())


def session_counts(db: DbSession, event: Event) -> list[SessionCounts]:
    """Seats taken and people waiting in each session with choices; only live registrations count."""
    sessions = sessions_with_seats_counted(db, event)
    statement = (
        select(SessionChoice.session_id, SessionChoice.status, Registration.mode, func.count())
        .join(Registration, col(Registration.id) == SessionChoice.registration_id)
        .where(Registration.event_id == event.id)
        .where(col(Registration.status).in_(SEAT_HOLDING_STATUSES))
        .group_by(col(SessionChoice.session_id), col(SessionChoice.status), col(Registration.mode))
    )
    taken: dict[int, int] = defaultdict(int)
    waiting: dict[int, int] = defaultdict(int)
    online: dict[int, int] = defaultdict(int)
    for session_id, status, mode, number in db.exec(statement):
        if status != ChoiceStatus.confirmed:
            waiting[session_id] += number
        elif mode == AttendanceChoice.online:
            online[session_id] += number
        else:
            taken[session_id] += number
    return [
        SessionCounts(
            session=session,
            seats_taken=taken[session.id or 0],
            waiting=waiting[session.id or 0],
            online=online[session.id or 0],
        )
        for session in sessions
    ]


def _filtered(event: Event, filters: RegistrationFilters) -> SelectOfScalar[Registration]:
    statement = select(Registration).where(Registration.event_id == event.id)
    if filters.search:
        pattern = f"%{filters.search.lower()}%"
        statement = statement.where(
            or_(
                func.lower(Registration.name).like(pattern),
                func.lower(Registration.email).like(pattern),
                func.lower(Registration.affiliation).like(pattern),
            )
        )
    if filters.status is not None:
        statement = statement.where(Registration.status == filters.status)
    if filters.mode is not None:
        statement = statement.where(Registration.mode == filters.mode)
    if filters.session_id is not None:
        chose = select(SessionChoice.registration_id).where(SessionChoice.session_id == filters.session_id)
        statement = statement.where(col(Registration.id).in_(chose))
    return statement


def registration_list(db: DbSession, event: Event, filters: RegistrationFilters) -> RegistrationList:
    """The event's registrations matching the filters, newest last, with the counts of the whole event."""
    registrations = list(
        db.exec(_filtered(event, filters).order_by(col(Registration.created_at), col(Registration.id)))
    )
    listed_ids = _filtered(event, filters).with_only_columns(col(Registration.id))
    choices = db.exec(
        select(SessionChoice.registration_id, SessionChoice.session_id, Session.title, SessionChoice.status)
        .join(Session, col(Session.id) == SessionChoice.session_id)
        .where(col(SessionChoice.registration_id).in_(listed_ids))
        .order_by(col(Session.start_at), col(Session.title))
    )
    by_registration: dict[int, list[ChosenSession]] = defaultdict(list)
    for registration_id, session_id, title, status in choices:
        by_registration[registration_id].append(ChosenSession(session_id, title, ChoiceStatus(status)))
    total = db.exec(
        select(func.count()).select_from(Registration).where(Registration.event_id == event.id)
    ).one()
    return RegistrationList(
        rows=[RegistrationRow(r, by_registration[r.id or 0]) for r in registrations],
        modes=mode_counts(db, event, registration_form_of(db, event)),
        sessions=session_counts(db, event),
        filters=filters,
        total=total,
    )


def answers_by_registration(db: DbSession, event: Event) -> dict[int, dict[int, str]]:
    """Every answer given for the event: registration id → question id → value."""
    statement = (
        select(Answer.registration_id, Answer.question_id, Answer.value)
        .join(Registration, col(Registration.id) == Answer.registration_id)
        .where(Registration.event_id == event.id)
    )
    answers: dict[int, dict[int, str]] = defaultdict(dict)
    for registration_id, question_id, value in db.exec(statement):
        answers[registration_id][question_id] = value
    return answers


def invitation_in_event(db: DbSession, event: Event, invitation_id: int) -> Invitation | None:
    invitation = db.get(Invitation, invitation_id)
    return invitation if invitation is not None and invitation.event_id == event.id else None


def question_in_event(db: DbSession, event: Event, question_id: int) -> Question | None:
    question = db.get(Question, question_id)
    return question if question is not None and question.event_id == event.id else None


def invitations_of(db: DbSession, event: Event) -> list[Invitation]:
    statement = (
        select(Invitation).where(Invitation.event_id == event.id).order_by(col(Invitation.created_at).desc())
    )
    return list(db.exec(statement))


# Reads for the attendee's own pages ---------------------------------------------------------------


def answers_of(db: DbSession, registration: Registration) -> dict[int, list[str]]:
    """The registration's answers by question id, each as the list of values given."""
    statement = select(Answer).where(Answer.registration_id == registration.id)
    return {answer.question_id: answer.value.splitlines() for answer in db.exec(statement)}


def calendar_of(db: DbSession, calendar_secret: str) -> tuple[Event, Registration] | None:
    """The event and registration a personal calendar address belongs to; a renewed address finds nothing."""
    statement = (
        select(Event, Registration)
        .join(Registration, col(Registration.event_id) == Event.id)
        .where(Registration.calendar_secret == calendar_secret)
    )
    row = db.exec(statement).first()
    return (row[0], row[1]) if row is not None else None
