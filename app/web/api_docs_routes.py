"""/docs: the reference of the JSON API, rendered on the server from the OpenAPI document (/openapi.json)."""

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.db import utcnow
from app.events.queries import listed_events
from app.i18n import _
from app.web import Db, not_found, render
from app.web.api_docs import ApiReference, api_reference, example_url

router = APIRouter(include_in_schema=False)


def _reference(request: Request) -> ApiReference:
    return api_reference(request.app.openapi())


@router.get("/docs", response_class=HTMLResponse)
def api_docs_page(request: Request, db: Db) -> HTMLResponse:
    listing = listed_events(db, utcnow().date())
    events = listing.upcoming + listing.past
    # The "try it" forms start filled with a real event, so one press shows real data.
    examples = {"slug": events[0].slug} if events else {}
    context: dict[str, Any] = {"reference": _reference(request), "examples": examples}
    return render(request, "api/docs.html", context)


@router.get("/docs/try")
def api_docs_try(request: Request, operation: str = "") -> RedirectResponse:
    """The "try it" form of one GET operation: its URL with the values filled in."""
    found = _reference(request).operation(operation)
    if found is None or found.method != "GET":
        raise not_found(_("There is no such API operation."))
    values = {key: value for key, value in request.query_params.items() if key != "operation"}
    url = example_url(found, values)
    if url is None:
        missing = [p.name for p in found.parameters if p.location == "path" and not values.get(p.name)]
        raise HTTPException(status_code=422, detail=_("Fill in: {names}.").format(names=", ".join(missing)))
    return RedirectResponse(url, status_code=303)
