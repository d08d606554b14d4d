"""Quick polls a session's moderator opens: single or multiple choice, both audiences voting from the same
page, results live, or hidden (only how many have voted shows) until the moderator reveals them.

Like questions, every change takes the session's next revision and is announced when it commits; the
ballots are counted on the poll and its options with one UPDATE each, and the counts of a poll whose
results are hidden go to the moderators' channel only.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from app.audience.models import Poll, PollBallot, PollOption, PollState
from app.audience.questions import (
    AUDIENCE_CHANNEL,
    COUNTS_CHANNEL,
    MODERATION_CHANNEL,
    MODERATION_COUNTS_CHANNEL,
    audience_settings,
    next_revision,
    questions_open,
    sse_frame,
)
from app.db import DbSession, begin_write_transaction, insert_once, saved_id
from app.errors import DomainError, InvalidInput, NotFound
from app.i18n import _
from app.programme.models import Session
from app.pubsub import LiveHub

POLL_QUESTION_MAX_LENGTH = 300
OPTION_MAX_LENGTH = 200
MAX_OPTIONS = 10
POLL_ACTIONS = ("close", "reopen", "reveal", "hide_results", "project", "unproject")


class PollClosed(DomainError):
    status_code = 409


def create_poll(
    db: DbSession,
    live: LiveHub,
    session: Session,
    *,
    question: str,
    options: Sequence[str],
    multiple_choice: bool,
    results_hidden: bool,
    now: datetime,
) -> Poll:
    """Opens a poll at once: a quick poll is asked while the session runs."""
    question = question.strip()
    labels = [label.strip() for label in options if label.strip()]
    if not question:
        raise InvalidInput(_("Write the poll's question."), field="question")
    if len(question) > POLL_QUESTION_MAX_LENGTH:
        message = _("A poll's question has at most {limit} characters.").format(
            limit=POLL_QUESTION_MAX_LENGTH
        )
        raise InvalidInput(message, field="question")
    if len(labels) < 2:
        raise InvalidInput(_("Give at least two answers to choose from."), field="options")
    if len(labels) > MAX_OPTIONS:
        raise InvalidInput(
            _("A poll has at most {limit} answers.").format(limit=MAX_OPTIONS), field="options"
        )
    if any(len(label) > OPTION_MAX_LENGTH for label in labels):
        message = _("An answer has at most {limit} characters.").format(limit=OPTION_MAX_LENGTH)
        raise InvalidInput(message, field="options")
    if len(set(labels)) != len(labels):
        raise InvalidInput(_("Each answer must be different."), field="options")
    begin_write_transaction(db)
    poll = Poll(
        session_id=saved_id(session),
        question=question,
        multiple_choice=multiple_choice,
        state=PollState.open,
        results_revealed=not results_hidden,
        created_at=now,
    )
    db.add(poll)
    db.flush()
    for position, label in enumerate(labels):
        db.add(PollOption(poll_id=saved_id(poll), label=label, position=position))
    db.flush()
    _changed(db, live, poll)
    db.commit()
    db.refresh(poll)
    return poll


def change_poll(db: DbSession, live: LiveHub, poll: Poll, action: str) -> Poll:
    """Close or reopen the vote, reveal or hide the results, show it on the projector or take it off."""
    if action not in POLL_ACTIONS:
        raise InvalidInput(_("Unknown action."))
    begin_write_transaction(db)
    poll = db.get(Poll, saved_id(poll)) or poll
    if action == "close":
        poll.state = PollState.closed
    elif action == "reopen":
        poll.state = PollState.open
    elif action == "reveal":
        poll.results_revealed = True
    elif action == "hide_results":
        poll.results_revealed = False
    elif action == "project":
        others = db.exec(
            select(Poll).where(
                col(Poll.session_id) == poll.session_id, col(Poll.on_projector), col(Poll.id) != poll.id
            )
        ).all()
        for other in others:
            other.on_projector = False
            db.add(other)
            db.flush()
            _changed(db, live, other)
        poll.on_projector = True
    elif action == "unproject":
        poll.on_projector = False
    db.add(poll)
    db.flush()
    _changed(db, live, poll)
    db.commit()
    db.refresh(poll)
    return poll


def vote_in_poll(
    db: DbSession,
    live: LiveHub,
    poll: Poll,
    session: Session,
    voter_key: str,
    option_ids: Sequence[int],
    now: datetime,
) -> bool:
    """One ballot per person; True when this one was counted (a second one, or a double click, is not)."""
    if poll.state != PollState.open or not questions_open(
        audience_settings(db, poll.session_id), session, now
    ):
        raise PollClosed(_("This poll is closed."))
    chosen = sorted(set(option_ids))
    valid = {option.id for option in poll_options(db, saved_id(poll))}
    if not chosen or not set(chosen) <= valid:
        raise InvalidInput(_("Choose an answer."), field="option")
    if len(chosen) > 1 and not poll.multiple_choice:
        raise InvalidInput(_("Choose one answer."), field="option")
    begin_write_transaction(db)
    values = {
        "poll_id": poll.id,
        "voter_key": voter_key,
        "choices": ",".join(map(str, chosen)),
        "voted_at": now,
    }
    if not insert_once(db, PollBallot, values, ["poll_id", "voter_key"]):
        db.rollback()
        return False
    voters = db.execute(
        update(Poll).where(col(Poll.id) == poll.id).values(voters=Poll.voters + 1).returning(col(Poll.voters))
    ).scalar_one()
    key = str(poll.session_id)
    live.count(db, COUNTS_CHANNEL, key, f"p{poll.id}", int(voters))
    option_channel = COUNTS_CHANNEL if poll.results_revealed else MODERATION_COUNTS_CHANNEL
    for option_id in chosen:
        votes = db.execute(
            update(PollOption)
            .where(col(PollOption.id) == option_id)
            .values(votes=PollOption.votes + 1)
            .returning(col(PollOption.votes))
        ).scalar_one()
        live.count(db, option_channel, key, f"o{option_id}", int(votes))
    db.commit()
    return True


# Reading -----------------------------------------------------------------------------------------


def poll_of_session(db: DbSession, session_id: int, poll_id: int) -> Poll:
    poll = db.get(Poll, poll_id)
    if poll is None or poll.session_id != session_id:
        raise NotFound(_("There is no such poll in this session."))
    return poll


def poll_options(db: DbSession, poll_id: int) -> list[PollOption]:
    return list(
        db.exec(
            select(PollOption).where(col(PollOption.poll_id) == poll_id).order_by(col(PollOption.position))
        )
    )


def polls_of_session(db: DbSession, session_id: int, *, include_draft: bool = True) -> list[Poll]:
    statement = select(Poll).where(col(Poll.session_id) == session_id)
    if not include_draft:
        statement = statement.where(col(Poll.state) != PollState.draft)
    # The newest first: the poll being asked is the one on top.
    return list(db.exec(statement.order_by(col(Poll.created_at).desc(), col(Poll.id).desc())))


def own_ballots(db: DbSession, poll_ids: Sequence[int], voter_key: str) -> dict[int, set[int]]:
    if not poll_ids:
        return {}
    ballots = db.exec(
        select(PollBallot).where(
            col(PollBallot.poll_id).in_(list(poll_ids)), col(PollBallot.voter_key) == voter_key
        )
    )
    return {
        ballot.poll_id: {int(choice) for choice in ballot.choices.split(",") if choice} for ballot in ballots
    }


def poll_data(poll: Poll, options: Sequence[PollOption], *, moderator: bool) -> dict[str, Any]:
    shown = moderator or poll.results_revealed
    return {
        "id": poll.id,
        "rev": poll.revision,
        "question": poll.question,
        "multiple": poll.multiple_choice,
        "state": poll.state.value,
        "revealed": poll.results_revealed,
        "projected": poll.on_projector,
        "voters": poll.voters,
        "options": [
            {"id": option.id, "label": option.label, **({"votes": option.votes} if shown else {})}
            for option in options
        ],
    }


def poll_frame(db: DbSession, poll: Poll, *, moderator: bool) -> str:
    return sse_frame(
        "poll", poll_data(poll, poll_options(db, saved_id(poll)), moderator=moderator), poll.revision
    )


def poll_frames_since(db: DbSession, session_id: int, revision: int, *, moderator: bool) -> list[str]:
    polls = db.exec(
        select(Poll)
        .where(
            col(Poll.session_id) == session_id,
            col(Poll.revision) > revision,
            col(Poll.state) != PollState.draft,
        )
        .order_by(col(Poll.revision))
    )
    return [poll_frame(db, poll, moderator=moderator) for poll in polls]


def _changed(db: DbSession, live: LiveHub, poll: Poll) -> None:
    poll.revision = next_revision(db, poll.session_id)
    db.execute(update(Poll).where(col(Poll.id) == poll.id).values(revision=poll.revision))
    db.refresh(poll)
    key = str(poll.session_id)
    live.publish(db, AUDIENCE_CHANNEL, key, poll_frame(db, poll, moderator=False))
    live.publish(db, MODERATION_CHANNEL, key, poll_frame(db, poll, moderator=True))
