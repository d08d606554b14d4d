"""The audience's question page of a session (asked from the room through the QR code, or online from an
attendee's join page), the moderator's page (a signed link, no account), the projector view, and the
live streams (server-sent events) that keep them current without a reload.

Every page works as plain HTML: forms post and come back (303), and the page can be reloaded. With
JavaScript (static/js/audience.js) the forms post in the background and the stream brings every change.
"""

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlmodel import col, select
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from app.audience import polls as poll_service
from app.audience import questions as question_service
from app.audience.links import online_asker, session_from_moderator_token
from app.audience.models import QUESTION_ORIGIN_LABELS, QuestionState
from app.audience.questions import AUDIENCE_STREAM, MODERATION_STREAM, Asker
from app.audience.rate_limit import AudienceLimits
from app.db import DbSession, each_statement_commits
from app.errors import DomainError, NotFound
from app.events.access import is_publicly_viewable
from app.events.models import Event
from app.i18n import _, current_locale
from app.programme.models import Session, Talk
from app.pubsub import RESYNC, LiveHub, last_event_id
from app.web import CurrentSite, Db, SubmittedForm, current_site, not_found, render, run_with_db
from app.web.clock import Now
from app.web.csrf import CSRF_HEADER, CSRF_SESSION_KEY, require_csrf
from app.web.fast_paths import SignedSession, request_language, request_time, route_regex
from app.web.id_bounds import is_storable_id
from app.web.qr import qr_svg

router = APIRouter(dependencies=[Depends(require_csrf)])

AUDIENCE_PAGE = "audience/questions.html"
MODERATION_PAGE = "audience/moderate.html"
PROJECTOR_PAGE = "audience/projector.html"
BROWSER_KEY = "audience_id"
# Keep-alive comments through proxies that close a quiet connection.
PING_SECONDS = 15


def live_hub(request: Request) -> LiveHub:
    hub: LiveHub = request.app.state.live
    return hub


def _limits(request: Request) -> AudienceLimits:
    limits: AudienceLimits = request.app.state.audience_limits
    return limits


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _private(response: Response) -> Response:
    # Personal (own questions, join or moderator link in the address): no cache, no referrer.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


# Loading -----------------------------------------------------------------------------------------


def _public_session(db: DbSession, slug: str, session_id: int) -> tuple[Event, Session]:
    event = db.exec(select(Event).where(col(Event.slug) == slug)).first()
    session = db.get(Session, session_id)
    if event is None or not is_publicly_viewable(event) or session is None or session.event_id != event.id:
        raise not_found(_("This session is not part of the programme."))
    return event, session


def _asker(request: Request, db: DbSession, secret_key: str, session_id: int, join: str) -> Asker:
    if join:
        online = online_asker(db, secret_key, join, session_id)
        if online is not None:
            return online
    browser = request.session.get(BROWSER_KEY)
    if not isinstance(browser, str):
        browser = secrets.token_urlsafe(12)
        request.session[BROWSER_KEY] = browser
    return Asker.browser(browser)


@dataclass(frozen=True)
class AudiencePage:
    event: Event
    session: Session
    asker: Asker
    join: str


def audience_page_target(
    request: Request, db: Db, site: CurrentSite, slug: str, session_id: int, join: str = ""
) -> AudiencePage:
    """The page's event and session (public ones only) and who is asking."""
    event, session = _public_session(db, slug, session_id)
    return AudiencePage(event, session, _asker(request, db, site.secret_key, session_id, join), join)


def moderated_session(db: Db, site: CurrentSite, token: str) -> Session:
    try:
        return session_from_moderator_token(db, site.secret_key, token)
    except DomainError as error:
        raise not_found(error.message) from error


# Contexts ----------------------------------------------------------------------------------------


def _labels(talks: list[Talk]) -> dict[str, Any]:
    return {
        "origins": {origin.value: str(label) for origin, label in QUESTION_ORIGIN_LABELS.items()},
        "talks": {talk.id: talk.title for talk in talks},
    }


def _polls_context(db: DbSession, session_id: int, voter_key: str | None, *, moderator: bool) -> list[Any]:
    polls = poll_service.polls_of_session(db, session_id)
    ballots = poll_service.own_ballots(db, [p.id or 0 for p in polls], voter_key) if voter_key else {}
    return [
        {
            "poll": poll,
            "data": poll_service.poll_data(
                poll, poll_service.poll_options(db, poll.id or 0), moderator=moderator
            ),
            "ballot": ballots.get(poll.id or 0),
        }
        for poll in polls
    ]


def _audience_context(
    request: Request, db: DbSession, page: AudiencePage, now: Any, sort: str, **extra: Any
) -> dict[str, Any]:
    session_id = page.session.id or 0
    settings = question_service.audience_settings(db, session_id)
    talks = question_service.session_talks(db, session_id)
    order = "time" if sort == "time" else "votes"
    slug = page.event.slug
    query = f"?join={page.join}" if page.join else ""

    def action(name: str, **ids: int) -> str:
        url = str(request.url_for(name, slug=slug, session_id=session_id, **dict.fromkeys(ids, 0)))
        # The page's scripts put each question's or poll's id in place of __ID__.
        return url.replace("/0/", "/__ID__/") + query

    page_url = str(request.url_for("audience_questions_page", slug=slug, session_id=session_id)) + query
    stream_url = request.url_for("audience_questions_stream", slug=slug, session_id=session_id)
    return {
        "event": page.event,
        "session": page.session,
        "talks": talks,
        "settings": settings,
        "is_open": question_service.questions_open(settings, page.session, now),
        "questions": question_service.sort_questions(
            question_service.public_questions(db, session_id), order
        ),
        "own_held": question_service.own_held_questions(db, session_id, page.asker.key),
        "held": question_service.held_count(db, session_id),
        "voted": question_service.voted_question_ids(db, session_id, page.asker.key),
        "polls": _polls_context(db, session_id, page.asker.key, moderator=False),
        "revision": question_service.current_revision(db, session_id),
        "sort": order,
        "join": page.join,
        "online": page.asker.origin.value == "online",
        "page_url": page_url,
        "stream_url": str(stream_url),
        "vote_action": action("audience_question_vote", question_id=0),
        "poll_vote_action": action("audience_poll_vote", poll_id=0),
        "labels": _labels(talks),
        "errors": {},
        "values": {},
        **extra,
    }


def _moderation_context(
    request: Request, db: DbSession, token: str, session: Session, now: Any, **extra: Any
) -> dict[str, Any]:
    session_id = session.id or 0
    event = db.get(Event, session.event_id)
    settings = question_service.audience_settings(db, session_id)
    questions = question_service.all_questions(db, session_id)
    audience_url = request.url_for(
        "audience_questions_page", slug=event.slug if event else "", session_id=session_id
    )
    return {
        "event": event,
        "session": session,
        "token": token,
        "settings": settings,
        "is_open": question_service.questions_open(settings, session, now),
        "held_questions": [q for q in questions if q.state == QuestionState.held],
        "questions": question_service.sort_questions(
            [q for q in questions if q.state in (QuestionState.visible, QuestionState.answered)], "votes"
        ),
        "hidden_questions": [q for q in questions if q.state == QuestionState.hidden],
        "held": sum(1 for q in questions if q.state == QuestionState.held),
        "polls": _polls_context(db, session_id, None, moderator=True),
        "revision": question_service.current_revision(db, session_id),
        "stream_url": str(request.url_for("moderation_stream", token=token)),
        "audience_url": str(audience_url),
        "projector_url": str(
            request.url_for("audience_projector", slug=event.slug if event else "", session_id=session_id)
        ),
        "labels": _labels(question_service.session_talks(db, session_id)),
        "errors": {},
        "values": {},
        **extra,
    }


# The audience ------------------------------------------------------------------------------------


AudienceTarget = Depends(audience_page_target)


@router.get("/events/{slug}/sessions/{session_id}/questions", response_class=HTMLResponse)
def audience_questions_page(
    request: Request, db: Db, now: Now, page: AudiencePage = AudienceTarget, sort: str = "votes"
) -> Response:
    context = _audience_context(request, db, page, now, sort)
    return _private(render(request, AUDIENCE_PAGE, context, blocks=["audience_board"]))


async def _with_page(
    request: Request,
    slug: str,
    session_id: int,
    join: str,
    work: Callable[[DbSession, AudiencePage], Response],
    *,
    statements_commit_alone: bool = False,
) -> Response:
    site = current_site(request)

    def in_thread(db: DbSession) -> Response:
        if statements_commit_alone:
            each_statement_commits(db)
        return work(db, audience_page_target(request, db, site, slug, session_id, join))

    # One thread hop for the whole answer: a vote is the commonest request of a session's questions.
    return await run_with_db(request, in_thread)


@router.post("/events/{slug}/sessions/{session_id}/questions", response_class=HTMLResponse)
async def audience_question_ask(
    request: Request, now: Now, data: SubmittedForm, slug: str, session_id: int, join: str = ""
) -> Response:
    return await _with_page(
        request, slug, session_id, join, lambda db, page: _ask(request, db, now, data, page)
    )


def _ask(request: Request, db: DbSession, now: Any, data: Any, page: AudiencePage) -> Response:
    values = {key: str(data.get(key) or "") for key in ("text", "name", "talk_id")}
    if not _limits(request).may_ask(page.asker.key, _address(request)):
        return _refused(
            request, db, page, now, values, _("You asked several questions just now. Wait a minute."), 429
        )
    talk = values["talk_id"]
    try:
        question = question_service.ask_question(
            db,
            live_hub(request),
            page.session,
            page.asker,
            text=values["text"],
            name=values["name"],
            talk_id=int(talk) if talk.isdigit() else None,
            now=now,
        )
    except DomainError as error:
        return _refused(
            request, db, page, now, values, error.message, error.status_code, error.field or "text"
        )
    if _wants_json(request):
        return _private(JSONResponse({"question": question_service.question_data(question, moderator=False)}))
    return _back_to(request, page, f"#question-{question.id}")


def _refused(
    request: Request,
    db: DbSession,
    page: AudiencePage,
    now: Any,
    values: dict[str, str],
    message: str,
    status_code: int,
    field: str = "text",
) -> Response:
    if _wants_json(request):
        return _private(JSONResponse({"detail": message, "field": field}, status_code=status_code))
    context = _audience_context(request, db, page, now, "votes", errors={field: message}, values=values)
    return _private(render(request, AUDIENCE_PAGE, context, status_code=status_code))


def _back_to(request: Request, page: AudiencePage, anchor: str = "") -> Response:
    url = request.url_for("audience_questions_page", slug=page.event.slug, session_id=page.session.id)
    target = str(url.include_query_params(join=page.join) if page.join else url) + anchor
    return _private(Response(status_code=303, headers={"Location": target}))


@router.post("/events/{slug}/sessions/{session_id}/questions/{question_id}/vote", response_class=HTMLResponse)
async def audience_question_vote(
    request: Request, now: Now, slug: str, session_id: int, question_id: int, join: str = ""
) -> Response:
    return await _with_page(
        request,
        slug,
        session_id,
        join,
        lambda db, page: _vote(request, db, now, question_id, page),
        # Reads, then one statement that counts the vote (on PostgreSQL): no transaction around them.
        statements_commit_alone=True,
    )


def _vote(request: Request, db: DbSession, now: Any, question_id: int, page: AudiencePage) -> Response:
    refused = _too_many_votes(request, page.asker)
    if refused is not None:
        return refused
    try:
        question = question_service.question_of_session(db, page.session.id or 0, question_id)
        votes = question_service.vote_for_question(
            db, live_hub(request), question, page.session, page.asker.key, now
        )
    except DomainError as error:
        return _vote_refused(request, error.message, error.status_code)
    if _wants_json(request):
        return _vote_counted(question_id, votes)
    return _back_to(request, page, f"#question-{question_id}")


def _vote_from_script(
    request: Request, db: DbSession, now: Any, slug: str, session_id: int, question_id: int
) -> Response:
    """The question page script's vote, from a browser whose session says who it is. On PostgreSQL, two
    statements when the vote is open (what it needs, then the vote and its count); anything else takes
    the page's whole work (`_vote`), which also says why a vote is not counted."""
    postgres = db.get_bind().dialect.name == "postgresql"
    target = question_service.vote_target(db, slug, session_id, question_id) if postgres else None
    if target is None or not target.open_to_votes(now):
        page = audience_page_target(request, db, current_site(request), slug, session_id)
        return _vote(request, db, now, question_id, page)
    asker = Asker.browser(request.session[BROWSER_KEY])
    refused = _too_many_votes(request, asker)
    if refused is not None:
        return refused
    votes = question_service.count_vote_on_postgresql(
        db, live_hub(request), session_id, question_id, asker.key, now
    )
    return _vote_counted(question_id, votes)


def _too_many_votes(request: Request, asker: Asker) -> Response | None:
    if _limits(request).may_vote(asker.key, _address(request)):
        return None
    return _vote_refused(request, _("You voted many times just now. Wait a minute."), 429)


def _vote_counted(question_id: int, votes: int) -> Response:
    return _private(JSONResponse({"id": question_id, "votes": votes, "voted": True}))


def _vote_refused(request: Request, message: str, status_code: int) -> Response:
    if _wants_json(request):
        return _private(JSONResponse({"detail": message}, status_code=status_code))
    context = {"title": _("Not counted"), "message": message}
    return _private(render(request, "error.html", context, status_code=status_code))


@router.post("/events/{slug}/sessions/{session_id}/polls/{poll_id}/vote", response_class=HTMLResponse)
async def audience_poll_vote(
    request: Request, now: Now, data: SubmittedForm, slug: str, session_id: int, poll_id: int, join: str = ""
) -> Response:
    return await _with_page(
        request, slug, session_id, join, lambda db, page: _poll_vote(request, db, now, data, poll_id, page)
    )


def _poll_vote(
    request: Request, db: DbSession, now: Any, data: Any, poll_id: int, page: AudiencePage
) -> Response:
    if not _limits(request).may_vote(page.asker.key, _address(request)):
        return _vote_refused(request, _("You voted many times just now. Wait a minute."), 429)
    chosen = [int(str(value)) for value in data.getlist("option") if str(value).isdigit()]
    try:
        poll = poll_service.poll_of_session(db, page.session.id or 0, poll_id)
        counted = poll_service.vote_in_poll(
            db, live_hub(request), poll, page.session, page.asker.key, chosen, now
        )
    except DomainError as error:
        return _vote_refused(request, error.message, error.status_code)
    if _wants_json(request):
        return _private(JSONResponse({"id": poll_id, "counted": counted, "choices": chosen}))
    return _back_to(request, page, f"#poll-{poll_id}")


@router.get("/events/{slug}/sessions/{session_id}/questions/projector", response_class=HTMLResponse)
def audience_projector(request: Request, db: Db, slug: str, session_id: int) -> Response:
    event, session = _public_session(db, slug, session_id)
    questions = question_service.public_questions(db, session_id)
    polls = _polls_context(db, session_id, None, moderator=False)
    page_url = str(request.url_for("audience_questions_page", slug=slug, session_id=session_id))
    context = {
        "event": event,
        "session": session,
        "pinned": next((q for q in questions if q.pinned), None),
        "projected": next((p for p in polls if p["poll"].on_projector), None),
        "revision": question_service.current_revision(db, session_id),
        "stream_url": str(request.url_for("audience_questions_stream", slug=slug, session_id=session_id)),
        "page_url": page_url,
        "qr": qr_svg(page_url),
        "labels": _labels(question_service.session_talks(db, session_id)),
    }
    response = render(request, PROJECTOR_PAGE, context)
    response.headers["Cache-Control"] = "no-cache"
    return response


# The live streams ----------------------------------------------------------------------------------


def _last_event_id(request: Request, after: int) -> int:
    header = request.headers.get("last-event-id", "")
    return int(header) if header.isdigit() else max(after, 0)


@dataclass(frozen=True)
class StreamStart:
    """What a page missed before it connected, read with the check that it may open the stream."""

    session_id: int
    frames: list[str]
    # The session's revision when they were read, and the moment just before that read.
    revision: int
    read_at: float


def _catch_up(request: Request, session_id: int, *, moderator: bool) -> Callable[[int], list[str]]:
    def frames(revision: int) -> list[str]:
        with DbSession(request.app.state.engine) as db:
            return question_service.changes_since(db, session_id, revision, moderator=moderator)

    return frames


@dataclass(frozen=True)
class _SharedRead:
    started: float
    seen: int  # the revision the read's page had seen: it holds every change after it
    begun: asyncio.Future[StreamStart]


class StreamStarts:
    """Pages that connect to the same stream within a second share one read.

    When an app process restarts, or a keynote starts, a thousand pages connect at once: one database
    read answers every page that had seen as much as the reading page or more (each gets only the
    changes after its own revision), instead of a thousand thread hops queueing for the pool, each
    reading hundreds of questions. A page that shares a read still catches up what came after it
    (`_stream` compares what the hub has written with the read's revision).
    """

    def __init__(self, seconds: float = 1.0) -> None:
        self.seconds = seconds
        self._reads: dict[tuple[str, str], list[_SharedRead]] = {}

    async def start(self, key: tuple[str, str], seen: int, read: Callable[[], StreamStart]) -> StreamStart:
        """What a page of stream `key` that has seen revision `seen` missed: `read()`, or a read shared."""
        now = time.monotonic()
        recent = [
            r for r in self._reads.get(key, ()) if now - r.started < self.seconds and not r.begun.cancelled()
        ]
        shareable = [r for r in recent if r.seen <= seen]
        if shareable:
            shared = max(shareable, key=lambda r: r.seen)
            try:
                return _since(await asyncio.shield(shared.begun), seen)
            except asyncio.CancelledError:
                if not shared.begun.cancelled():
                    raise  # this page went away
                # The page that was reading went away: this one reads for itself.
        if len(self._reads) > 10_000:
            self._reads = {k: v for k, v in self._reads.items() if v and now - v[-1].started < self.seconds}
        mine = _SharedRead(now, seen, asyncio.get_running_loop().create_future())
        self._reads[key] = [*recent, mine]
        try:
            begun = await run_in_threadpool(read)
        except asyncio.CancelledError:
            mine.begun.cancel()
            raise
        except Exception as error:
            self._reads[key] = [r for r in self._reads.get(key, ()) if r is not mine]
            mine.begun.set_exception(error)
            mine.begun.exception()  # those who shared it raise it; nobody else needs to hear of it
            raise
        mine.begun.set_result(begun)
        return begun


def _since(begun: StreamStart, seen: int) -> StreamStart:
    """A read shared by a page that had seen up to `seen`: only what it has not seen (frames without an
    id, the current counts, stay)."""
    if begun.revision <= seen:
        return StreamStart(begun.session_id, [], seen, begun.read_at)
    frames = [frame for frame in begun.frames if _unseen(last_event_id(frame.encode()), seen)]
    return StreamStart(begun.session_id, frames, begun.revision, begun.read_at)


def _unseen(event_id: int, seen: int) -> bool:
    return event_id == 0 or event_id > seen


def _stream_starts(request: Request) -> StreamStarts:
    starts: StreamStarts | None = getattr(request.app.state, "stream_starts", None)
    if starts is None:
        starts = request.app.state.stream_starts = StreamStarts()
    return starts


async def _open_stream(
    request: Request,
    stream: str,
    identity: str,
    session_of: Callable[[DbSession], int],
    seen: int,
    *,
    moderator: bool,
) -> Response:
    def read() -> StreamStart:
        read_at = time.monotonic()
        with DbSession(request.app.state.engine) as db:
            session_id = session_of(db)
            revision = question_service.current_revision(db, session_id)
            missed = question_service.changes_since(db, session_id, seen, moderator=moderator)
        return StreamStart(session_id, missed, max(seen, revision), read_at)

    # Listening before reading: a page read after that misses nothing the process hears, and needs no
    # second read (`_stream`); the first pages of a restarted process would otherwise each read twice.
    await live_hub(request).started()
    # At most one thread hop for a page that connects, shared with the pages connecting with it.
    begun = await _stream_starts(request).start((stream, identity), seen, read)
    catch_up = _catch_up(request, begun.session_id, moderator=moderator)
    frames = _stream(live_hub(request), stream, begun, catch_up)
    return EventSourceResponse(
        frames,
        ping=PING_SECONDS,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no", "Referrer-Policy": "no-referrer"},
    )


async def _stream(
    hub: LiveHub, stream: str, begun: StreamStart, catch_up: Callable[[int], list[str]]
) -> AsyncIterator[bytes]:
    key = str(begun.session_id)
    seen = begun.revision
    async with hub.subscribe(stream, key) as subscription:
        # What a page missed goes in one write, not one per change: a restarted process's pages each
        # missed hundreds, and writes are what thousands of pages cost.
        if begun.frames:
            yield "".join(begun.frames).encode()
        # A change committed after the read and handed to the pages before this one subscribed: this page
        # did not get it (one still gathered for the next write reaches it with that write). The process
        # keeps what it passed lately, so a thousand pages connecting at once do not each read the
        # database again for the last second's questions.
        missed = await _missed(hub, stream, begun, seen, catch_up)
        if missed:
            seen = max(seen, last_event_id(missed))
            yield missed
        while not subscription.overflowed:
            waiting = [await subscription.queue.get()]
            # Everything queued meanwhile goes in the same write: a process that falls behind writes
            # less often, in larger pieces, instead of falling further behind.
            while not subscription.queue.empty():
                waiting.append(subscription.queue.get_nowait())
            if RESYNC in waiting or subscription.overflowed:
                missed = await _missed(hub, stream, begun, seen, catch_up)
                if missed:
                    seen = max(seen, last_event_id(missed))
                    yield missed
                continue
            frames = waiting[0] if len(waiting) == 1 else b"".join(waiting)
            seen = max(seen, last_event_id(frames))
            yield frames


async def _missed(
    hub: LiveHub, stream: str, begun: StreamStart, seen: int, catch_up: Callable[[int], list[str]]
) -> bytes:
    """What a page that has `seen` lacks of what was passed since its read: from the process's recent
    frames, or from the database when the process cannot tell (it stopped listening meanwhile, as before
    a RESYNC, or no longer holds them)."""
    recent = hub.passed_since(stream, str(begun.session_id), seen, begun.read_at)
    if recent is not None:
        return b"".join(recent)
    return "".join(await run_in_threadpool(catch_up, seen)).encode()


@router.get("/events/{slug}/sessions/{session_id}/questions/stream", name="audience_questions_stream")
async def audience_questions_stream(request: Request, slug: str, session_id: int, after: int = 0) -> Response:
    def session_of(db: DbSession) -> int:
        _public_session(db, slug, session_id)
        return session_id

    seen = _last_event_id(request, after)
    return await _open_stream(
        request, AUDIENCE_STREAM, f"{slug}/{session_id}", session_of, seen, moderator=False
    )


# The moderators ----------------------------------------------------------------------------------


@router.get("/moderate/{token}", response_class=HTMLResponse, name="moderation_page")
def moderation_page(request: Request, db: Db, site: CurrentSite, now: Now, token: str) -> Response:
    session = moderated_session(db, site, token)
    context = _moderation_context(request, db, token, session, now)
    return _private(render(request, MODERATION_PAGE, context, blocks=["moderation_board"]))


def _moderation_done(request: Request, token: str, anchor: str = "") -> Response:
    if _wants_json(request):
        return _private(JSONResponse({"ok": True}))
    return _private(
        Response(
            status_code=303,
            headers={"Location": str(request.url_for("moderation_page", token=token)) + anchor},
        )
    )


def _moderation_refused(
    request: Request, db: DbSession, token: str, session: Session, now: Any, error: DomainError
) -> Response:
    if _wants_json(request):
        return _private(
            JSONResponse({"detail": error.message, "field": error.field}, status_code=error.status_code)
        )
    context = _moderation_context(
        request, db, token, session, now, errors={error.field or "__all__": error.message}
    )
    return _private(render(request, MODERATION_PAGE, context, status_code=error.status_code))


@router.post("/moderate/{token}/questions/{question_id}", name="moderation_question_action")
def moderation_question_action(
    request: Request, db: Db, site: CurrentSite, now: Now, token: str, question_id: int, data: SubmittedForm
) -> Response:
    session = moderated_session(db, site, token)
    action = str(data.get("action") or "")
    try:
        question = question_service.question_of_session(db, session.id or 0, question_id)
        if action == "merge":
            into_id = str(data.get("into") or "")
            into = question_service.question_of_session(
                db, session.id or 0, int(into_id) if into_id.isdigit() else 0
            )
            question_service.merge_questions(db, live_hub(request), question, into)
        else:
            question_service.moderate_question(db, live_hub(request), question, action)
    except DomainError as error:
        return _moderation_refused(request, db, token, session, now, error)
    return _moderation_done(request, token, f"#question-{question_id}")


@router.post("/moderate/{token}/settings", name="moderation_settings")
def moderation_settings(
    request: Request, db: Db, site: CurrentSite, token: str, data: SubmittedForm
) -> Response:
    session = moderated_session(db, site, token)
    question_service.update_settings(
        db,
        live_hub(request),
        session,
        moderated=data.get("moderated") == "on",
        closes_at_end=data.get("closes_at_end") == "on",
    )
    return _moderation_done(request, token)


@router.post("/moderate/{token}/polls", name="moderation_poll_create")
def moderation_poll_create(
    request: Request, db: Db, site: CurrentSite, now: Now, token: str, data: SubmittedForm
) -> Response:
    session = moderated_session(db, site, token)
    options = [str(value) for value in data.getlist("option")]
    if not data.getlist("option"):
        options = str(data.get("options") or "").splitlines()
    try:
        poll = poll_service.create_poll(
            db,
            live_hub(request),
            session,
            question=str(data.get("question") or ""),
            options=options,
            multiple_choice=data.get("multiple_choice") == "on",
            results_hidden=data.get("results_hidden") == "on",
            now=now,
        )
    except DomainError as error:
        return _moderation_refused(request, db, token, session, now, error)
    return _moderation_done(request, token, f"#poll-{poll.id}")


@router.post("/moderate/{token}/polls/{poll_id}", name="moderation_poll_action")
def moderation_poll_action(
    request: Request, db: Db, site: CurrentSite, now: Now, token: str, poll_id: int, data: SubmittedForm
) -> Response:
    session = moderated_session(db, site, token)
    try:
        poll = poll_service.poll_of_session(db, session.id or 0, poll_id)
        poll_service.change_poll(db, live_hub(request), poll, str(data.get("action") or ""))
    except DomainError as error:
        return _moderation_refused(request, db, token, session, now, error)
    return _moderation_done(request, token, f"#poll-{poll_id}")


@router.get("/moderate/{token}/questions.csv", name="moderation_questions_csv")
def moderation_questions_csv(db: Db, site: CurrentSite, token: str) -> Response:
    session = moderated_session(db, site, token)
    body = question_service.questions_csv(db, [session])
    filename = f"questions-session-{session.id}.csv"
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",
    }
    return Response(body, media_type=question_service.CSV_MEDIA_TYPE, headers=headers)


@router.get("/moderate/{token}/stream", name="moderation_stream")
async def moderation_stream(request: Request, token: str, after: int = 0) -> Response:
    def session_of(db: DbSession) -> int:
        try:
            return session_from_moderator_token(db, request.app.state.secret_key, token).id or 0
        except NotFound as error:
            raise not_found(error.message) from error

    seen = _last_event_id(request, after)
    return await _open_stream(request, MODERATION_STREAM, token, session_of, seen, moderator=True)


class VoteFastPath:
    """Counts a vote sent by the question page's script before the page middlewares and the router.

    200 votes a second on a keynote's questions were mostly the request around them: the session and
    language middlewares, the router's walk, FastAPI's dependencies. A vote in JSON with the page's CSRF
    token in its header, from a browser that has its audience id, is counted here with the route's own
    work (`_vote`), in the visitor's language; anything else (a form post, an online attendee's join
    link, a missing or stale session, a session not found) goes on to `audience_question_vote`.
    """

    def __init__(self, app: ASGIApp, *, routes: FastAPI, secret_key: str) -> None:
        self.app = app
        self.routes = routes
        self.path = route_regex(routes, "audience_question_vote")
        self.sessions = SignedSession(secret_key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.path.match(scope["path"]) if scope["type"] == "http" else None
        if found is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        visitor = self._visitor(request)
        session_id, question_id = found["session_id"], found["question_id"]
        if visitor is None or not (is_storable_id(session_id) and is_storable_id(question_id)):
            await self.app(scope, receive, send)
            return
        scope["session"] = visitor
        now = await request_time(self.routes)
        language = current_locale.set(request_language(scope))
        slug = found["slug"]

        def in_thread(db: DbSession) -> Response:
            each_statement_commits(db)
            return _vote_from_script(request, db, now, slug, int(session_id), int(question_id))

        try:
            response = await run_with_db(request, in_thread)
        except HTTPException:  # the session is not found: the route renders that page
            response = None
        finally:
            current_locale.reset(language)
        if response is None:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)

    def _visitor(self, request: Request) -> dict[str, Any] | None:
        """The signed session of a browser that loaded the question page, if this request is its script's
        vote (JSON, the token in the header, no join link)."""
        if "join" in request.query_params or not _wants_json(request):
            return None
        sent = request.headers.get(CSRF_HEADER)
        visitor = self.sessions.read(request.cookies) if sent else None
        if visitor is None or not isinstance(visitor.get(BROWSER_KEY), str):
            return None
        expected = visitor.get(CSRF_SESSION_KEY)
        if not isinstance(expected, str) or not secrets.compare_digest(expected, sent or ""):
            return None
        return visitor


class StreamFastPath:
    """Opens the question pages' event streams before the page middlewares and the router.

    A stream needs none of what a page does (session cookie, language, body limit, error page), but every
    frame it sends went down through each of their send wrappers: with thousands of pages open, a Python
    call per middleware per page per frame. A stream that opens goes straight to the route's own work
    (`_open_stream`); one that does not (a session not found, a stale moderator link, a malformed
    `after`) goes on to its route, which answers it like any page. Sits inside SecurityHeaders.
    """

    def __init__(self, app: ASGIApp, *, routes: FastAPI) -> None:
        self.app = app
        self.audience = route_regex(routes, "audience_questions_stream")
        self.moderation = route_regex(routes, "moderation_stream")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._open(scope, receive) if scope["type"] == "http" else None
        if response is None:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)

    async def _open(self, scope: Scope, receive: Receive) -> Response | None:
        audience = self.audience.match(scope["path"])
        moderation = None if audience else self.moderation.match(scope["path"])
        if scope["method"] != "GET" or (audience is None and moderation is None):
            return None
        request = Request(scope, receive)
        after = request.query_params.get("after", "0")
        if not is_storable_id(after):
            return None
        try:
            if audience is not None and is_storable_id(audience["session_id"]):
                slug, session_id = audience["slug"], int(audience["session_id"])
                return await audience_questions_stream(request, slug, session_id, int(after))
            if moderation is not None:
                return await moderation_stream(request, moderation["token"], int(after))
        except (HTTPException, DomainError):
            pass  # the route answers it with its page
        return None
