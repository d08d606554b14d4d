"""Questions and polls without HTTP: asking from the room and online, moderation, one vote per person
(also when many vote at once), what each live channel carries, and the report."""

import csv
import io
import json
import threading
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from app.audience import polls, questions
from app.audience.models import AudienceQuestion, QuestionOrigin, QuestionState, QuestionVote
from app.audience.questions import (
    AUDIENCE_CHANNEL,
    COUNTS_CHANNEL,
    MODERATION_CHANNEL,
    MODERATION_COUNTS_CHANNEL,
    Asker,
)
from app.db import DbSession
from app.errors import DomainError
from app.pubsub import Broker, LiveHub
from tests.live.test_join_links import streamed_day


class RecordingBroker(Broker):
    """Keeps what would have gone to the other processes, in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send_in_transaction(self, db: DbSession, messages: Sequence[tuple[str, str]]) -> bool:
        return False

    def send_after_commit(self, messages: Sequence[tuple[str, str]]) -> None:
        self.sent.extend(messages)

    async def listen(self, channels):  # pragma: no cover - never listened to here
        raise NotImplementedError
        yield

    def on(self, channel: str) -> list[str]:
        return [payload.partition("\n")[2] for name, payload in self.sent if name == channel]


@pytest.fixture
def broker() -> RecordingBroker:
    return RecordingBroker()


@pytest.fixture
def live(broker: RecordingBroker) -> LiveHub:
    return LiveHub(broker, questions.LIVE_CHANNELS)


@pytest.fixture
def keynote(db: DbSession):
    day = streamed_day(db)
    return day


ROOM = Asker.browser("browser-one")
ANOTHER_ROOM = Asker.browser("browser-two")


def ask(db, live, day, text="How will the data be shared?", asker=ROOM, **kwargs):
    now = kwargs.pop("now", day.keynote.start_at + timedelta(minutes=10))
    return questions.ask_question(
        db, live, day.keynote, asker, text=text, name=kwargs.pop("name", ""), talk_id=None, now=now
    )


def test_a_question_from_the_room_appears_at_once_with_its_origin(db, live, broker, keynote):
    question = ask(db, live, keynote, "Is <script>alert(1)</script> escaped?", name="Ana")

    assert (question.state, question.origin, question.name) == (
        QuestionState.visible,
        QuestionOrigin.room,
        "Ana",
    )
    assert [q.id for q in questions.public_questions(db, keynote.keynote.id)] == [question.id]
    [frame] = broker.on(AUDIENCE_CHANNEL)
    assert frame.startswith(f"id: {question.revision}\nevent: question\n")
    data = json.loads(frame.split("data: ", 1)[1])
    assert (data["text"], data["origin"], data["held"]) == (
        "Is <script>alert(1)</script> escaped?",
        "room",
        0,
    )


def test_a_held_question_reaches_only_its_asker_and_the_moderators(db, live, broker, keynote):
    questions.update_settings(db, live, keynote.keynote, moderated=True, closes_at_end=True)
    broker.sent.clear()

    question = ask(db, live, keynote, "A private worry about consent")

    assert question.state == QuestionState.held
    assert questions.public_questions(db, keynote.keynote.id) == []
    assert [q.id for q in questions.own_held_questions(db, keynote.keynote.id, ROOM.key)] == [question.id]
    assert questions.own_held_questions(db, keynote.keynote.id, ANOTHER_ROOM.key) == []
    assert questions.held_count(db, keynote.keynote.id) == 1
    # The audience hears that one more waits, never what it says.
    assert "consent" not in "".join(broker.on(AUDIENCE_CHANNEL))
    assert '"held":1' in broker.on(AUDIENCE_CHANNEL)[0]
    assert "consent" in broker.on(MODERATION_CHANNEL)[0]
    catch_up = "".join(questions.changes_since(db, keynote.keynote.id, 0, moderator=False))
    assert "consent" not in catch_up


def test_approving_makes_it_public_and_hiding_takes_it_away(db, live, broker, keynote):
    questions.update_settings(db, live, keynote.keynote, moderated=True, closes_at_end=True)
    question = ask(db, live, keynote)

    questions.moderate_question(db, live, question, "approve")
    assert [q.id for q in questions.public_questions(db, keynote.keynote.id)] == [question.id]
    questions.moderate_question(db, live, question, "hide")

    assert questions.public_questions(db, keynote.keynote.id) == []
    last = broker.on(AUDIENCE_CHANNEL)[-1]
    assert last.split("\n")[1] == "event: gone"


def test_one_question_is_pinned_at_a_time_and_answered_ones_sink(db, live, keynote):
    first, second = ask(db, live, keynote, "First?"), ask(db, live, keynote, "Second?", asker=ANOTHER_ROOM)

    questions.moderate_question(db, live, first, "pin")
    questions.moderate_question(db, live, second, "pin")
    questions.moderate_question(db, live, first, "answered")

    db.expire_all()
    pinned = [q.text for q in questions.public_questions(db, keynote.keynote.id) if q.pinned]
    assert pinned == ["Second?"]
    ordered = questions.sort_questions(questions.public_questions(db, keynote.keynote.id), "votes")
    assert [q.text for q in ordered] == ["Second?", "First?"]


def test_a_vote_counts_once_per_person_and_goes_out_as_a_count(db, live, broker, keynote):
    question = ask(db, live, keynote)
    now = keynote.keynote.start_at + timedelta(minutes=12)

    votes = [
        questions.vote_for_question(db, live, question, keynote.keynote, key, now)
        for key in ("b1", "b1", "r7")
    ]

    assert votes == [1, 1, 2]
    assert broker.on(COUNTS_CHANNEL) == [f"q{question.id}\n1", f"q{question.id}\n2"]


def test_the_newest_first_order_and_the_most_voted_order(db, live, keynote):
    old = ask(db, live, keynote, "Old?", now=keynote.keynote.start_at + timedelta(minutes=1))
    new = ask(db, live, keynote, "New?", now=keynote.keynote.start_at + timedelta(minutes=2))
    questions.vote_for_question(
        db, live, old, keynote.keynote, "b9", keynote.keynote.start_at + timedelta(minutes=3)
    )

    db.expire_all()
    public = questions.public_questions(db, keynote.keynote.id)
    assert [q.id for q in questions.sort_questions(public, "votes")] == [old.id, new.id]
    assert [q.id for q in questions.sort_questions(public, "time")] == [new.id, old.id]


def test_merging_a_duplicate_gives_its_voters_to_the_question_kept(db, live, keynote):
    kept = ask(db, live, keynote, "Who owns the data?", asker=Asker.browser("a"))
    duplicate = ask(db, live, keynote, "Who owns our data??", asker=Asker.browser("b"))
    now = keynote.keynote.start_at + timedelta(minutes=15)
    for voter in ("c", "d"):
        questions.vote_for_question(db, live, duplicate, keynote.keynote, "b" + voter, now)
    questions.vote_for_question(db, live, kept, keynote.keynote, "bc", now)

    merged = questions.merge_questions(db, live, duplicate, kept)

    db.expire_all()
    # c (voted both), d, and b who asked the duplicate: three distinct people.
    assert merged.votes == 3
    gone = db.get(AudienceQuestion, duplicate.id)
    assert (gone.state, gone.merged_into_id) == (QuestionState.hidden, kept.id)
    with pytest.raises(DomainError):
        questions.merge_questions(db, live, kept, kept)


def test_questions_close_when_the_session_ends_unless_kept_open(db, live, keynote):
    after = keynote.keynote.end_at + timedelta(minutes=1)
    with pytest.raises(questions.QuestionsClosed):
        ask(db, live, keynote, now=after)

    questions.update_settings(db, live, keynote.keynote, moderated=False, closes_at_end=False)

    assert ask(db, live, keynote, now=after).state == QuestionState.visible


@pytest.mark.parametrize(
    ("text", "name", "field"),
    [("   ", "", "text"), ("x" * 501, "", "text"), ("Fine?", "n" * 81, "name")],
    ids=["empty", "too-long", "name-too-long"],
)
def test_bad_questions_are_refused_with_the_field_and_nothing_is_saved(db, live, keynote, text, name, field):
    with pytest.raises(DomainError) as refused:
        ask(db, live, keynote, text, name=name)

    assert refused.value.field == field
    assert db.exec(select(AudienceQuestion)).all() == []


def test_changes_since_a_revision_are_what_a_reconnecting_page_missed(db, live, keynote):
    first = ask(db, live, keynote, "Seen before the drop?")
    seen = questions.current_revision(db, keynote.keynote.id)
    ask(db, live, keynote, "Asked while offline?")

    frames = questions.changes_since(db, keynote.keynote.id, seen, moderator=False)

    joined = "".join(frames)
    assert "Asked while offline?" in joined and "Seen before the drop?" not in joined
    assert frames[-2].split("\n")[1] == "event: summary"
    assert (
        questions.changes_since(
            db, keynote.keynote.id, questions.current_revision(db, keynote.keynote.id), moderator=False
        )
        == []
    )
    assert first.id is not None


def test_the_report_has_every_question_and_runs_no_formula(db, live, keynote):
    questions.update_settings(db, live, keynote.keynote, moderated=True, closes_at_end=True)
    ask(db, live, keynote, '=HYPERLINK("http://evil")', name="@mallory")
    online = Asker.registration(keynote.online.id)
    ask(db, live, keynote, "From Montréal: is the recording public?", asker=online)

    rows = list(csv.reader(io.StringIO(questions.questions_csv(db, [keynote.keynote]))))

    assert rows[0][:3] == ["Session", "Asked at (UTC)", "Question"]
    assert [row[2:6] for row in rows[1:]] == [
        ['\'=HYPERLINK("http://evil")', "'@mallory", "room", "held"],
        ["From Montréal: is the recording public?", "", "online", "held"],
    ]


# Polls -------------------------------------------------------------------------------------------


def open_poll(db, live, day, **kwargs):
    return polls.create_poll(
        db,
        live,
        day.keynote,
        question=kwargs.pop("question", "Should health data leave the EU?"),
        options=kwargs.pop("options", ["Yes", "No", "Only anonymised"]),
        multiple_choice=kwargs.pop("multiple_choice", False),
        results_hidden=kwargs.pop("results_hidden", True),
        now=day.keynote.start_at + timedelta(minutes=5),
    )


def test_hidden_poll_results_show_only_how_many_voted_until_revealed(db, live, broker, keynote):
    poll = open_poll(db, live, keynote)
    yes = polls.poll_options(db, poll.id)[0]
    now = keynote.keynote.start_at + timedelta(minutes=6)

    assert polls.vote_in_poll(db, live, poll, keynote.keynote, "b1", [yes.id], now)
    assert not polls.vote_in_poll(db, live, poll, keynote.keynote, "b1", [yes.id], now)

    public = polls.poll_data(db.get(type(poll), poll.id), polls.poll_options(db, poll.id), moderator=False)
    assert public["voters"] == 1 and all("votes" not in option for option in public["options"])
    assert broker.on(COUNTS_CHANNEL) == [f"p{poll.id}\n1"]
    assert broker.on(MODERATION_COUNTS_CHANNEL) == [f"o{yes.id}\n1"]

    polls.change_poll(db, live, poll, "reveal")
    revealed = json.loads(broker.on(AUDIENCE_CHANNEL)[-1].split("data: ", 1)[1])
    assert [option.get("votes") for option in revealed["options"]] == [1, 0, 0]


def test_a_single_choice_poll_takes_one_answer_and_a_closed_poll_none(db, live, keynote):
    poll = open_poll(db, live, keynote)
    yes, no, _ = polls.poll_options(db, poll.id)
    now = keynote.keynote.start_at + timedelta(minutes=6)

    with pytest.raises(DomainError):
        polls.vote_in_poll(db, live, poll, keynote.keynote, "b1", [yes.id, no.id], now)
    polls.change_poll(db, live, poll, "close")
    with pytest.raises(polls.PollClosed):
        polls.vote_in_poll(db, live, db.get(type(poll), poll.id), keynote.keynote, "b1", [yes.id], now)


def test_a_multiple_choice_poll_counts_each_answer_chosen(db, live, keynote):
    poll = open_poll(db, live, keynote, multiple_choice=True, results_hidden=False)
    yes, no, anonymised = polls.poll_options(db, poll.id)
    now = keynote.keynote.start_at + timedelta(minutes=6)

    polls.vote_in_poll(db, live, poll, keynote.keynote, "b1", [yes.id, anonymised.id], now)
    polls.vote_in_poll(db, live, poll, keynote.keynote, "b2", [anonymised.id], now)

    db.expire_all()
    assert [o.votes for o in polls.poll_options(db, poll.id)] == [1, 0, 2]
    assert db.get(type(poll), poll.id).voters == 2


@pytest.mark.parametrize(
    ("options", "question"),
    [(["Only one"], "Q?"), (["Same", "Same"], "Q?"), (["A", "B"], "  ")],
    ids=["one-answer", "duplicate-answers", "no-question"],
)
def test_a_poll_needs_a_question_and_two_different_answers(db, live, keynote, options, question):
    with pytest.raises(DomainError):
        open_poll(db, live, keynote, options=options, question=question)


# Many at once ------------------------------------------------------------------------------------


def _at_once(count: int, work) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(number: int) -> None:
        barrier.wait()
        try:
            work(number)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors


def test_concurrent_votes_count_each_person_once(engine: Engine, db, live, keynote):
    question = ask(db, live, keynote)
    session = keynote.keynote
    now = session.start_at + timedelta(minutes=12)

    def vote(number: int) -> None:
        # Half the people double-click: two requests each at the same moment.
        with DbSession(engine) as own:
            target = own.get(AudienceQuestion, question.id)
            questions.vote_for_question(own, live, target, session, f"b{number // 2}", now)

    errors = _at_once(16, vote)

    assert errors == []
    db.rollback()
    db.expire_all()
    assert db.get(AudienceQuestion, question.id).votes == 8
    assert len(db.exec(select(QuestionVote)).all()) == 8
