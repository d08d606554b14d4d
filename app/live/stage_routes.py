"""Running late: the stage manager's page (a signed stage link, no account, made for a phone) to say a room
runs N minutes late or a session started or ended now; and the organisers' page to give and revoke stage
links and read the day's log.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from app.accounts.access import CurrentUser
from app.errors import DomainError, InvalidInput
from app.events.access import ManagedEvent
from app.events.models import Event
from app.i18n import N_, _
from app.live import running_late
from app.live.models import AdjustmentKind, StageLink
from app.live.now import NowAndNext
from app.programme.models import Room
from app.programme.releases import published_programme
from app.web import CurrentSite, Db, SubmittedForm, not_found, redirect_after_post, render
from app.web.caches import caches_of
from app.web.clock import Now
from app.web.csrf import require_csrf

stage_router = APIRouter(prefix="/stage/{token}", dependencies=[Depends(require_csrf)])
manage_router = APIRouter(prefix="/manage/events/{slug}/stage", dependencies=[Depends(require_csrf)])

STAGE_PAGE = "live/stage.html"
LINKS_PAGE = "live/stage_links.html"
QUICK_DELAYS = (0, 5, 10, 15, 20, 30)


def opened_stage_link(token: str, db: Db, site: CurrentSite) -> StageLink:
    try:
        return running_late.stage_link_from_token(db, site.secret_key, token)
    except DomainError as error:
        raise not_found(error.message) from error


OpenedStageLink = Annotated[StageLink, Depends(opened_stage_link)]


def _private(response: Response) -> Response:
    # The stage pages carry the link, the organisers' page lists them: never kept by a shared cache. (No
    # Referer leaves a /stage/ page: app.access_log names it among the paths that carry a secret.)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _board(request: Request, db: Db, event: Event, now: Any) -> NowAndNext:
    published = published_programme(db, event, caches_of(request.app).programme_data)
    return running_late.live_board(
        published.data, event, running_late.adjustments_of(db, event), now, event.timezone
    )


def _stage_context(
    request: Request, db: Db, link: StageLink, token: str, now: Any, error: str = ""
) -> dict[str, Any]:
    event = db.get(Event, link.event_id)
    if event is None:
        raise not_found(_("There is no event at this address."))
    board = _board(request, db, event, now)
    lines = [
        line
        for line in board.rooms
        if line.room is not None and (link.room_id is None or line.room.id == link.room_id)
    ]
    return {
        "event": event,
        "link": link,
        "token": token,
        "board": board,
        "lines": lines,
        "quick_delays": QUICK_DELAYS,
        "error": error,
    }


@stage_router.get("", response_class=HTMLResponse)
def stage_page(request: Request, db: Db, token: str, link: OpenedStageLink, now: Now) -> Response:
    return _private(render(request, STAGE_PAGE, _stage_context(request, db, link, token, now)))


def _int(data: SubmittedForm, name: str) -> int | None:
    value = str(data.get(name, "")).strip()
    return int(value) if value.lstrip("-").isdigit() and len(value) < 7 else None


@stage_router.post("/adjust", response_class=HTMLResponse)
def stage_adjust(
    request: Request, db: Db, token: str, link: OpenedStageLink, now: Now, data: SubmittedForm
) -> Response:
    """One of the stage manager's buttons: the room's delay, or a session started or ended now."""
    room_id = _int(data, "room_id")
    error = ""
    try:
        if room_id is None or (link.room_id is not None and room_id != link.room_id):
            raise InvalidInput(_("This link is not for that room."), field="room_id")
        event = db.get(Event, link.event_id)
        room = db.get(Room, room_id)
        if event is None or room is None or room.event_id != event.id:
            raise InvalidInput(_("This link is not for that room."), field="room_id")
        kind_value = str(data.get("kind", ""))
        if kind_value not in AdjustmentKind.__members__:
            raise InvalidInput(_("Choose what happened."), field="kind")
        kind = AdjustmentKind(kind_value)
        session_id = _int(data, "session_id")
        published = published_programme(db, event, caches_of(request.app).programme_data)
        session = published.data.index.sessions.get(session_id or 0)
        running_late.record_adjustment(
            db,
            event,
            room_id,
            kind,
            now=now,
            made_by=link.label,
            minutes=_int(data, "minutes"),
            session=session,
        )
    except DomainError as error_raised:
        db.rollback()
        error = error_raised.message
    if error:
        context = _stage_context(request, db, link, token, now, error)
        return _private(render(request, STAGE_PAGE, context, blocks=["stage_rooms"], status_code=422))
    if request.headers.get("HX-Request") == "true":
        context = _stage_context(request, db, link, token, now)
        return _private(render(request, STAGE_PAGE, context, blocks=["stage_rooms"]))
    return redirect_after_post(request, str(request.url_for("stage_page", token=token)))


# The organisers' side ---------------------------------------------------------------------------------


def _links_context(
    request: Request, db: Db, event: Event, site: CurrentSite, form_error: str = ""
) -> dict[str, Any]:
    rooms = list(
        db.exec(select(Room).where(Room.event_id == event.id).order_by(col(Room.position), col(Room.name)))
    )
    links = running_late.stage_links_of(db, event)
    return {
        "event": event,
        "rooms": rooms,
        "room_names": {room.id: room.name for room in rooms},
        "links": [
            (
                link,
                str(request.url_for("stage_page", token=running_late.stage_token(site.secret_key, link))),
            )
            for link in links
        ],
        "adjustments": list(reversed(running_late.adjustments_of(db, event))),
        "kind_labels": ADJUSTMENT_LABELS,
        "form_error": form_error,
    }


ADJUSTMENT_LABELS = {
    AdjustmentKind.delay: N_("Running late"),
    AdjustmentKind.started: N_("Started"),
    AdjustmentKind.ended: N_("Ended"),
}


@manage_router.get("", response_class=HTMLResponse)
def stage_links_page(request: Request, db: Db, event: ManagedEvent, site: CurrentSite) -> Response:
    return _private(render(request, LINKS_PAGE, _links_context(request, db, event, site)))


@manage_router.post("/links", response_class=HTMLResponse)
def stage_link_create(
    request: Request, db: Db, event: ManagedEvent, site: CurrentSite, user: CurrentUser, data: SubmittedForm
) -> Response:
    room_id = _int(data, "room_id")
    room = db.get(Room, room_id) if room_id is not None else None
    if room_id is not None and (room is None or room.event_id != event.id):
        context = _links_context(request, db, event, site, _("Choose a room of this event."))
        return _private(render(request, LINKS_PAGE, context, status_code=422))
    label = str(data.get("label", "")).strip()[:200] or (room.name if room else _("All rooms"))
    running_late.create_stage_link(db, event, room_id, label)
    return redirect_after_post(request, str(request.url_for("stage_links_page", slug=event.slug)))


@manage_router.post("/links/{link_id}/revoke", response_class=HTMLResponse)
def stage_link_revoke(
    request: Request, db: Db, event: ManagedEvent, link_id: int, now: Now, user: CurrentUser
) -> Response:
    link = db.get(StageLink, link_id)
    if link is None or link.event_id != event.id:
        raise not_found(_("This stage link does not exist."))
    running_late.revoke_stage_link(db, link, now)
    return redirect_after_post(request, str(request.url_for("stage_links_page", slug=event.slug)))
