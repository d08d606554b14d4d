"""Questions from both audiences of a session: asked from the room or online, voted on, moderated.

Every function here is one user action and one transaction, and announces what changed through the
live hub (app.pubsub) when it commits: the whole question to the moderators' channel, and to the
audience's channel only what the audience may see (a held or hidden question is never sent there, only
"one more is waiting" or "this one is gone"). Votes are counted in the database with one UPDATE and go
out as counts, gathered at most once a second per session by each process.
"""

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, String, Update, bindparam, cast, func, literal, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlmodel import col, select

from app.audience.models import (
    NAME_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    AudienceQuestion,
    AudienceSettings,
    Poll,
    QuestionOrigin,
    QuestionState,
    QuestionVote,
    new_moderator_secret,
)
from app.db import DbSession, UTCDateTime, begin_write_transaction, insert_once, saved_id
from app.errors import DomainError, InvalidInput, NotFound
from app.events.models import Event, Visibility
from app.events.permissions import is_publicly_viewable
from app.i18n import _
from app.programme.models import Session, SessionKind, Talk
from app.pubsub import Channel, LiveHub
from app.text import spreadsheet_cell

AUDIENCE_CHANNEL = "plenary_audience"
MODERATION_CHANNEL = "plenary_moderation"
COUNTS_CHANNEL = "plenary_audience_counts"
# Counts the audience may not see yet (a poll whose results are hidden).
MODERATION_COUNTS_CHANNEL = "plenary_moderation_counts"
AUDIENCE_STREAM = "audience"
MODERATION_STREAM = "moderation"

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


class QuestionsClosed(DomainError):
    status_code = 409


class QuestionNotVisible(DomainError):
    status_code = 404


@dataclass(frozen=True)
class Asker:
    """Who is asking or voting: a registration (online, from their join link) or a browser (the room)."""

    key: str
    origin: QuestionOrigin

    @classmethod
    def registration(cls, registration_id: int) -> "Asker":
        return cls(f"r{registration_id}", QuestionOrigin.online)

    @classmethod
    def browser(cls, browser_id: str) -> "Asker":
        return cls(f"b{browser_id}", QuestionOrigin.room)


def sse_frame(kind: str, data: Any, event_id: int | None = None) -> str:
    """One server-sent event; JSON never holds a raw newline, so the data is one line."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {json.dumps(data, separators=(',', ':'), ensure_ascii=False)}\n\n"


def _combine_counts(key: str, counts: dict[str, int]) -> bytes:
    return sse_frame("counts", counts).encode()


LIVE_CHANNELS: tuple[Channel, ...] = (
    Channel(AUDIENCE_CHANNEL, (AUDIENCE_STREAM,)),
    Channel(MODERATION_CHANNEL, (MODERATION_STREAM,)),
    Channel(COUNTS_CHANNEL, (AUDIENCE_STREAM, MODERATION_STREAM), combine=_combine_counts),
    Channel(MODERATION_COUNTS_CHANNEL, (MODERATION_STREAM,), combine=_combine_counts),
)


# Settings and the change counter -------------------------------------------------------------------


def audience_settings(db: DbSession, session_id: int) -> AudienceSettings:
    """The session's settings; a session nobody configured reads as the defaults (not yet saved)."""
    return db.get(AudienceSettings, session_id) or AudienceSettings(session_id=session_id)


def _settings_for_writing(db: DbSession, session_id: int) -> AudienceSettings:
    begin_write_transaction(db)
    _insert_settings(db, session_id)
    settings = db.get(AudienceSettings, session_id)
    if settings is None:  # deleted with its session meanwhile
        raise NotFound(_("This session is no longer in the programme."))
    return settings


def _insert_settings(db: DbSession, session_id: int) -> None:
    insert_once(
        db,
        AudienceSettings,
        {"session_id": session_id, "moderator_secret": new_moderator_secret()},
        ["session_id"],
    )


def next_revision(db: DbSession, session_id: int) -> int:
    """The next number of the session's changes, taken in this transaction (the live pages' event ids)."""
    _settings_for_writing(db, session_id)
    statement = (
        update(AudienceSettings)
        .where(col(AudienceSettings.session_id) == session_id)
        .values(revision=AudienceSettings.revision + 1)
        .returning(col(AudienceSettings.revision))
    )
    return int(db.execute(statement).scalar_one())


def current_revision(db: DbSession, session_id: int) -> int:
    revision = db.exec(
        select(AudienceSettings.revision).where(col(AudienceSettings.session_id) == session_id)
    ).first()
    return revision or 0


class ClosingRule(Protocol):
    @property
    def closes_at_end(self) -> bool: ...


class SessionTiming(Protocol):
    @property
    def is_cancelled(self) -> bool: ...

    @property
    def kind(self) -> SessionKind: ...

    @property
    def end_at(self) -> datetime: ...


def questions_open(settings: ClosingRule, session: SessionTiming, now: datetime) -> bool:
    """Open until the session ends, or for good when the moderators chose so; never for a cancelled one
    or a break (nothing is on stage to ask)."""
    if session.is_cancelled or session.kind == SessionKind.break_:
        return False
    return not (settings.closes_at_end and now >= session.end_at)


def update_settings(
    db: DbSession, live: LiveHub, session: Session, *, moderated: bool, closes_at_end: bool
) -> AudienceSettings:
    session_id = saved_id(session)
    settings = _settings_for_writing(db, session_id)
    settings.moderated = moderated
    settings.closes_at_end = closes_at_end
    db.add(settings)
    revision = next_revision(db, session_id)
    _announce_summary(db, live, session_id, revision)
    db.commit()
    return audience_settings(db, session_id)


def renew_moderator_link(db: DbSession, session: Session) -> AudienceSettings:
    """Every moderator link given before stops working."""
    settings = _settings_for_writing(db, saved_id(session))
    settings.moderator_secret = new_moderator_secret()
    db.add(settings)
    db.commit()
    db.refresh(settings)
    return settings


# Asking ------------------------------------------------------------------------------------------


def ask_question(
    db: DbSession,
    live: LiveHub,
    session: Session,
    asker: Asker,
    *,
    text: str,
    name: str,
    talk_id: int | None,
    now: datetime,
) -> AudienceQuestion:
    session_id = saved_id(session)
    text = text.strip()
    name = " ".join(name.split())
    if not text:
        raise InvalidInput(_("Write your question."), field="text")
    if len(text) > QUESTION_MAX_LENGTH:
        message = _("A question has at most {limit} characters.").format(limit=QUESTION_MAX_LENGTH)
        raise InvalidInput(message, field="text")
    if len(name) > NAME_MAX_LENGTH:
        message = _("A name has at most {limit} characters.").format(limit=NAME_MAX_LENGTH)
        raise InvalidInput(message, field="name")
    if talk_id is not None and talk_id not in {talk.id for talk in session_talks(db, session_id)}:
        raise InvalidInput(_("Choose a talk of this session."), field="talk_id")
    settings = _settings_for_writing(db, session_id)
    if not questions_open(settings, session, now):
        raise QuestionsClosed(_("Questions for this session are closed."))
    question = AudienceQuestion(
        session_id=session_id,
        talk_id=talk_id,
        text=text,
        name=name,
        origin=asker.origin,
        asker_key=asker.key,
        state=QuestionState.held if settings.moderated else QuestionState.visible,
        asked_at=now,
    )
    db.add(question)
    db.flush()
    _changed(db, live, [question])
    db.commit()
    db.refresh(question)
    return question


def session_talks(db: DbSession, session_id: int) -> list[Talk]:
    """The session's talks in programme order (a question may be about one of them)."""
    return list(db.exec(select(Talk).where(col(Talk.session_id) == session_id).order_by(col(Talk.position))))


# Voting ------------------------------------------------------------------------------------------


def _count_new_vote_statement() -> Update:
    """PostgreSQL: the vote and the question's count in one statement, the count raised only when the vote
    is new (a second click, or two at once, inserts nothing: ON CONFLICT). Atomic by itself, so it needs
    no transaction around it (see app.db.each_statement_commits)."""
    vote = (
        postgresql_insert(QuestionVote)
        .values(
            question_id=bindparam("question_id"),
            voter_key=bindparam("voter_key"),
            voted_at=bindparam("voted_at", type_=UTCDateTime()),
        )
        .on_conflict_do_nothing(index_elements=["question_id", "voter_key"])
        .returning(col(QuestionVote.question_id))
        .cte("new_vote")
    )
    return (
        update(AudienceQuestion)
        .where(col(AudienceQuestion.id).in_(sa_select(vote.c.question_id)))
        .values(votes=AudienceQuestion.votes + 1)
        .returning(col(AudienceQuestion.votes))
    )


def _count_and_announce_new_vote_statement() -> Select[int, Any]:
    """The same, announcing the new count in the same statement (pg_notify, sent when it commits): the
    notification's own statement was a third of a vote's round trips."""
    counted = _count_new_vote_statement().cte("counted")
    announcement = bindparam("payload_start", type_=String()) + cast(counted.c.votes, String())
    return sa_select(counted.c.votes, func.pg_notify(bindparam("channel", type_=String()), announcement))


# Built once: SQLAlchemy then finds their compiled form by the statement's memoised cache key.
_COUNT_NEW_VOTE = _count_new_vote_statement()
_COUNT_AND_ANNOUNCE_NEW_VOTE = _count_and_announce_new_vote_statement()
_VOTES_OF_QUESTION = sa_select(col(AudienceQuestion.votes)).where(
    col(AudienceQuestion.id) == bindparam("question_id")
)


VOTABLE_STATES = (QuestionState.visible, QuestionState.answered)


def vote_for_question(
    db: DbSession, live: LiveHub, question: AudienceQuestion, session: Session, voter_key: str, now: datetime
) -> int:
    """Counts one vote per person: a second click, or two at once, leaves the count as it is."""
    if question.state not in VOTABLE_STATES:
        raise QuestionNotVisible(_("This question cannot be voted on."))
    if not questions_open(audience_settings(db, question.session_id), session, now):
        raise QuestionsClosed(_("Questions for this session are closed."))
    question_id = saved_id(question)
    if db.get_bind().dialect.name == "postgresql":
        return count_vote_on_postgresql(db, live, question.session_id, question_id, voter_key, now)
    begin_write_transaction(db)
    counted = insert_once(
        db,
        QuestionVote,
        {"question_id": question_id, "voter_key": voter_key, "voted_at": now},
        ["question_id", "voter_key"],
    )
    if not counted:
        db.rollback()
        return question.votes
    statement = (
        update(AudienceQuestion)
        .where(col(AudienceQuestion.id) == question_id)
        .values(votes=AudienceQuestion.votes + 1)
        .returning(col(AudienceQuestion.votes))
    )
    votes = int(db.execute(statement).scalar_one())
    live.count(db, COUNTS_CHANNEL, str(question.session_id), f"q{question_id}", votes)
    db.commit()
    return votes


def count_vote_on_postgresql(
    db: DbSession, live: LiveHub, session_id: int, question_id: int, voter_key: str, now: datetime
) -> int:
    """The vote and the new count in one statement; the count as it is when this person had voted."""
    parameters: dict[str, Any] = {"question_id": question_id, "voter_key": voter_key, "voted_at": now}
    item = f"q{question_id}"
    announcement = live.count_notification(COUNTS_CHANNEL, str(session_id), item)
    if announcement is not None:
        parameters["channel"], parameters["payload_start"] = announcement
    # On the connection: Core statements, none of the ORM's bookkeeping of rows it may have loaded.
    statement = _COUNT_NEW_VOTE if announcement is None else _COUNT_AND_ANNOUNCE_NEW_VOTE
    row = db.connection().execute(statement, parameters).first()
    if row is None:  # this person had voted already
        return int(db.connection().execute(_VOTES_OF_QUESTION, parameters).scalar_one())
    counted = int(row[0])
    if announcement is None:
        live.count(db, COUNTS_CHANNEL, str(session_id), item, counted)
    db.commit()
    return counted


@dataclass(frozen=True)
class VoteTarget:
    """What deciding a vote needs, read in one statement instead of four rows through the ORM: whether the
    event is open by its link, the session's timing and closing rule, the question's state."""

    is_published: bool
    visibility: Visibility
    is_cancelled: bool
    kind: SessionKind
    end_at: datetime
    closes_at_end: bool
    state: QuestionState

    def open_to_votes(self, now: datetime) -> bool:
        """The rules of `vote_for_question` and of the page's event and session, on these values."""
        return is_publicly_viewable(self) and self.state in VOTABLE_STATES and questions_open(self, self, now)


def _vote_target_statement() -> Select[bool, Visibility, bool, SessionKind, datetime, bool, QuestionState]:
    # A session nobody configured has no settings row and reads as the defaults (`audience_settings`).
    closes_at_end_by_default = AudienceSettings(session_id=0).closes_at_end
    return (
        sa_select(
            col(Event.is_published),
            col(Event.visibility),
            col(Session.is_cancelled),
            col(Session.kind),
            col(Session.end_at),
            func.coalesce(col(AudienceSettings.closes_at_end), literal(closes_at_end_by_default)),
            col(AudienceQuestion.state),
        )
        .select_from(AudienceQuestion)
        .join(Session, col(Session.id) == col(AudienceQuestion.session_id))
        .join(Event, col(Event.id) == col(Session.event_id))
        .outerjoin(AudienceSettings, col(AudienceSettings.session_id) == col(Session.id))
        .where(
            col(AudienceQuestion.id) == bindparam("question_id"),
            col(AudienceQuestion.session_id) == bindparam("session_id"),
            col(Event.slug) == bindparam("slug"),
        )
    )


_VOTE_TARGET = _vote_target_statement()


def vote_target(db: DbSession, slug: str, session_id: int, question_id: int) -> VoteTarget | None:
    """The question `question_id` of session `session_id` of event `slug`, as a vote needs it; None when
    one of them is not found (or not each other's)."""
    parameters = {"question_id": question_id, "session_id": session_id, "slug": slug}
    row = db.connection().execute(_VOTE_TARGET, parameters).first()
    return None if row is None else VoteTarget(*row.tuple())


def voted_question_ids(db: DbSession, session_id: int, voter_key: str) -> set[int]:
    rows = db.exec(
        select(QuestionVote.question_id)
        .join(AudienceQuestion, col(AudienceQuestion.id) == col(QuestionVote.question_id))
        .where(col(AudienceQuestion.session_id) == session_id, col(QuestionVote.voter_key) == voter_key)
    )
    return set(rows)


# Moderating --------------------------------------------------------------------------------------

MODERATION_ACTIONS = ("approve", "hide", "answered", "reopen", "pin", "unpin")


def moderate_question(
    db: DbSession, live: LiveHub, question: AudienceQuestion, action: str
) -> AudienceQuestion:
    """Approve, hide, mark answered, reopen, pin (the one being answered: one at a time) or unpin."""
    if action not in MODERATION_ACTIONS:
        raise InvalidInput(_("Unknown action."))
    begin_write_transaction(db)
    question = db.get(AudienceQuestion, saved_id(question)) or question
    changed = [question]
    if action == "approve":
        question.state = QuestionState.visible
    elif action == "hide":
        question.state = QuestionState.hidden
        question.pinned = False
    elif action == "answered":
        question.state = QuestionState.answered
        question.pinned = False
    elif action == "reopen":
        question.state = QuestionState.visible
        question.merged_into_id = None
    elif action == "pin":
        if question.state in (QuestionState.held, QuestionState.hidden):
            question.state = QuestionState.visible
        others = db.exec(
            select(AudienceQuestion).where(
                col(AudienceQuestion.session_id) == question.session_id,
                col(AudienceQuestion.pinned),
                col(AudienceQuestion.id) != question.id,
            )
        ).all()
        for other in others:
            other.pinned = False
            changed.append(other)
        question.pinned = True
    elif action == "unpin":
        question.pinned = False
    for item in changed:
        db.add(item)
    db.flush()
    _changed(db, live, changed)
    db.commit()
    db.refresh(question)
    return question


def merge_questions(
    db: DbSession, live: LiveHub, duplicate: AudienceQuestion, into: AudienceQuestion
) -> AudienceQuestion:
    """The duplicate disappears into the question kept, which gains its voters (each counted once)."""
    if duplicate.session_id != into.session_id or duplicate.id == into.id:
        raise InvalidInput(_("Choose another question of this session to merge into."), field="into")
    begin_write_transaction(db)
    voters = set(db.exec(select(QuestionVote.voter_key).where(col(QuestionVote.question_id) == duplicate.id)))
    voters.add(duplicate.asker_key)
    for voter_key in sorted(voters - {into.asker_key}):
        insert_once(
            db,
            QuestionVote,
            {"question_id": saved_id(into), "voter_key": voter_key, "voted_at": into.asked_at},
            ["question_id", "voter_key"],
        )
    votes = db.exec(select(func.count()).where(col(QuestionVote.question_id) == into.id)).one()
    into = db.get(AudienceQuestion, saved_id(into)) or into
    duplicate = db.get(AudienceQuestion, saved_id(duplicate)) or duplicate
    into.votes = int(votes)
    if into.state in (QuestionState.held, QuestionState.hidden):
        into.state = QuestionState.visible
    duplicate.state = QuestionState.hidden
    duplicate.pinned = False
    duplicate.merged_into_id = into.id
    db.add(into)
    db.add(duplicate)
    db.flush()
    _changed(db, live, [duplicate, into])
    db.commit()
    db.refresh(into)
    return into


# Reading -----------------------------------------------------------------------------------------


def question_of_session(db: DbSession, session_id: int, question_id: int) -> AudienceQuestion:
    question = db.get(AudienceQuestion, question_id)
    if question is None or question.session_id != session_id:
        raise NotFound(_("There is no such question in this session."))
    return question


def public_questions(db: DbSession, session_id: int) -> list[AudienceQuestion]:
    return list(
        db.exec(
            select(AudienceQuestion)
            .where(
                col(AudienceQuestion.session_id) == session_id,
                col(AudienceQuestion.state).in_([QuestionState.visible, QuestionState.answered]),
            )
            .order_by(col(AudienceQuestion.asked_at), col(AudienceQuestion.id))
        )
    )


def all_questions(db: DbSession, session_id: int) -> list[AudienceQuestion]:
    return list(
        db.exec(
            select(AudienceQuestion)
            .where(col(AudienceQuestion.session_id) == session_id)
            .order_by(col(AudienceQuestion.asked_at), col(AudienceQuestion.id))
        )
    )


def own_held_questions(db: DbSession, session_id: int, asker_key: str) -> list[AudienceQuestion]:
    return list(
        db.exec(
            select(AudienceQuestion)
            .where(
                col(AudienceQuestion.session_id) == session_id,
                col(AudienceQuestion.asker_key) == asker_key,
                col(AudienceQuestion.state) == QuestionState.held,
            )
            .order_by(col(AudienceQuestion.asked_at))
        )
    )


def held_count(db: DbSession, session_id: int) -> int:
    count = db.exec(
        select(func.count()).where(
            col(AudienceQuestion.session_id) == session_id, col(AudienceQuestion.state) == QuestionState.held
        )
    ).one()
    return int(count)


def sort_questions(questions: Iterable[AudienceQuestion], order: str) -> list[AudienceQuestion]:
    """Pinned first, answered last; then by votes (ties: the older first) or by time (the newer first)."""
    if order == "time":
        ordered = sorted(questions, key=lambda q: (q.asked_at, q.id or 0), reverse=True)
    else:
        ordered = sorted(questions, key=lambda q: (-q.votes, q.asked_at, q.id or 0))
    return sorted(ordered, key=lambda q: (not q.pinned, q.state == QuestionState.answered))


# What the live pages receive ---------------------------------------------------------------------


def question_data(question: AudienceQuestion, *, moderator: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": question.id,
        "rev": question.revision,
        "text": question.text,
        "name": question.name,
        "origin": question.origin.value,
        "state": question.state.value,
        "pinned": question.pinned,
        "votes": question.votes,
        "asked_at": question.asked_at.isoformat(),
        "talk_id": question.talk_id,
    }
    if moderator:
        data["merged_into"] = question.merged_into_id
    return data


def is_public(question: AudienceQuestion) -> bool:
    return question.state in (QuestionState.visible, QuestionState.answered)


def audience_frame(question: AudienceQuestion, held: int) -> str:
    if is_public(question):
        return sse_frame(
            "question", {**question_data(question, moderator=False), "held": held}, question.revision
        )
    return sse_frame("gone", {"id": question.id, "rev": question.revision, "held": held}, question.revision)


def moderation_frame(question: AudienceQuestion, held: int) -> str:
    return sse_frame("question", {**question_data(question, moderator=True), "held": held}, question.revision)


def summary_frame(db: DbSession, session_id: int, revision: int) -> str:
    settings = audience_settings(db, session_id)
    data = {"held": held_count(db, session_id), "moderated": settings.moderated, "rev": revision}
    return sse_frame("summary", data, revision)


def _changed(db: DbSession, live: LiveHub, questions: Sequence[AudienceQuestion]) -> None:
    session_id = questions[0].session_id
    revision = next_revision(db, session_id)
    for question in questions:
        db.execute(
            update(AudienceQuestion).where(col(AudienceQuestion.id) == question.id).values(revision=revision)
        )
    db.expire_all()
    held = held_count(db, session_id)
    key = str(session_id)
    for question in questions:
        db.refresh(question)
        live.publish(db, AUDIENCE_CHANNEL, key, audience_frame(question, held))
        live.publish(db, MODERATION_CHANNEL, key, moderation_frame(question, held))


def _announce_summary(db: DbSession, live: LiveHub, session_id: int, revision: int) -> None:
    frame = summary_frame(db, session_id, revision)
    live.publish(db, AUDIENCE_CHANNEL, str(session_id), frame)
    live.publish(db, MODERATION_CHANNEL, str(session_id), frame)


def changes_since(db: DbSession, session_id: int, revision: int, *, moderator: bool) -> list[str]:
    """What a page that saw changes up to `revision` missed, as frames, ending with the session's summary
    and its current counts (counts carry no revision)."""
    from app.audience.polls import poll_frames_since

    current = current_revision(db, session_id)
    if revision >= current:
        return []
    held = held_count(db, session_id)
    questions = db.exec(
        select(AudienceQuestion)
        .where(col(AudienceQuestion.session_id) == session_id, col(AudienceQuestion.revision) > revision)
        .order_by(col(AudienceQuestion.revision))
    )
    frames = [
        moderation_frame(question, held) if moderator else audience_frame(question, held)
        for question in questions
    ]
    frames.extend(poll_frames_since(db, session_id, revision, moderator=moderator))
    frames.append(summary_frame(db, session_id, current))
    votes = {f"q{question.id}": question.votes for question in public_questions(db, session_id)}
    if votes:
        frames.append(sse_frame("counts", votes))
    return frames


# The report --------------------------------------------------------------------------------------


def questions_csv(db: DbSession, sessions: Sequence[Session]) -> str:
    """Every question of these sessions, held and hidden ones included, for the organisers' report."""
    by_id = {session.id: session for session in sessions}
    rows = db.exec(
        select(AudienceQuestion)
        .where(col(AudienceQuestion.session_id).in_(list(by_id)))
        .order_by(col(AudienceQuestion.session_id), col(AudienceQuestion.asked_at))
    )
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(
        [
            _("Session"),
            _("Asked at (UTC)"),
            _("Question"),
            _("Name"),
            _("From"),
            _("State"),
            _("Votes"),
            _("Merged into"),
        ]
    )
    for question in rows:
        session = by_id[question.session_id]
        writer.writerow(
            [
                spreadsheet_cell(session.title),
                question.asked_at.strftime("%Y-%m-%d %H:%M"),
                spreadsheet_cell(question.text),
                spreadsheet_cell(question.name),
                question.origin.value,
                question.state.value,
                question.votes,
                question.merged_into_id or "",
            ]
        )
    return output.getvalue()


def session_polls(db: DbSession, session_id: int) -> list[Poll]:
    return list(
        db.exec(select(Poll).where(col(Poll.session_id) == session_id).order_by(col(Poll.created_at)))
    )


# The organisers' overview -------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionQuestions:
    session: Session
    settings: AudienceSettings
    questions: int
    held: int
    polls: int


def questions_overview(db: DbSession, event_id: int) -> list[SessionQuestions]:
    """Every session of the event in programme order, with its moderation settings (saved for those that
    had none, so that each has a moderator link) and how many questions and polls it has."""
    sessions = list(
        db.exec(select(Session).where(col(Session.event_id) == event_id).order_by(col(Session.start_at)))
    )
    ids = [saved_id(session) for session in sessions]
    saved = set(db.exec(select(AudienceSettings.session_id).where(col(AudienceSettings.session_id).in_(ids))))
    if saved != set(ids):
        begin_write_transaction(db)
        for session_id in set(ids) - saved:
            _insert_settings(db, session_id)
        db.commit()
    settings = {
        s.session_id: s
        for s in db.exec(select(AudienceSettings).where(col(AudienceSettings.session_id).in_(ids)))
    }
    counts = dict(
        db.exec(
            select(AudienceQuestion.session_id, func.count())
            .where(col(AudienceQuestion.session_id).in_(ids))
            .group_by(col(AudienceQuestion.session_id))
        ).all()
    )
    held = dict(
        db.exec(
            select(AudienceQuestion.session_id, func.count())
            .where(
                col(AudienceQuestion.session_id).in_(ids), col(AudienceQuestion.state) == QuestionState.held
            )
            .group_by(col(AudienceQuestion.session_id))
        ).all()
    )
    polls = dict(
        db.exec(
            select(Poll.session_id, func.count())
            .where(col(Poll.session_id).in_(ids))
            .group_by(col(Poll.session_id))
        ).all()
    )
    return [
        SessionQuestions(
            session,
            settings[saved_id(session)],
            counts.get(saved_id(session), 0),
            held.get(saved_id(session), 0),
            polls.get(saved_id(session), 0),
        )
        for session in sessions
    ]
