"""Whole-number ids in addresses, bounded by what the database can hold.

Every id column is an INTEGER: PostgreSQL refuses a larger number in a query (DataError), SQLite past
64 bits (OverflowError), and either would answer 500. An id no record can have names nothing: 404.
"""

import re

from fastapi import HTTPException, Request
from fastapi.routing import APIRoute

from app.i18n import _

# PostgreSQL's INTEGER, the type of every id column (SQLite's holds more, but never more rows).
SMALLEST_ID = -(2**31)
LARGEST_ID = 2**31 - 1


def _int_parameters(route: APIRoute) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names of the path and query parameters that the route or its dependencies read as int."""
    path: list[str] = []
    query: list[str] = []
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        pending.extend(dependant.dependencies)
        for names, fields in ((path, dependant.path_params), (query, dependant.query_params)):
            for field in fields:
                annotation = field.field_info.annotation
                if annotation is int or int in getattr(annotation, "__args__", ()):
                    names.append(field.alias)
    return tuple(path), tuple(query)


def _out_of_range(value: str | None) -> bool:
    try:
        number = int(value) if value is not None else 0
    except ValueError:
        return False  # not a number at all: the route's own validation answers
    return not SMALLEST_ID <= number <= LARGEST_ID


def is_storable_id(value: str) -> bool:
    """A whole number, in ASCII digits, that an id column can hold: what a route's own path may read as an
    id before the app-wide check (the fast paths answering ahead of the router). `str.isdigit` is not
    enough: "²" is a digit to it and no number to `int`."""
    return re.fullmatch(r"-?[0-9]+", value) is not None and not _out_of_range(value)


async def refuse_out_of_range_ids(request: Request) -> None:
    """An app-wide dependency: 404 for an int path or query parameter no database row can match.
    Async, as it only reads the request: a sync dependency costs every request a thread hop."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    # A walk over a few parameters: cheaper than any cache keyed by routes, which are unhashable.
    path, query = _int_parameters(route)
    if any(_out_of_range(request.path_params.get(name)) for name in path) or any(
        _out_of_range(value) for name in query for value in request.query_params.getlist(name)
    ):
        raise HTTPException(status_code=404, detail=_("This page does not exist."))
