"""Routes are tried in order; the busiest on an event's day (join links, the audience's questions and votes)
come first, which is safe only while none of their paths is another route's too."""

import re

from fastapi.routing import iter_route_contexts

from app.main import site_routes

TRIED_FIRST = ("app.live.join_routes", "app.audience.routes")


def _example_path(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", template)


def test_the_routes_tried_first_share_no_path_and_method_with_any_other():
    routes = [
        route
        for route in iter_route_contexts(site_routes().routes)
        if getattr(route, "endpoint", None) is not None and getattr(route, "path_regex", None) is not None
    ]
    first = [route for route in routes if route.endpoint.__module__ in TRIED_FIRST]
    others = [route for route in routes if route.endpoint.__module__ not in TRIED_FIRST]
    assert len(first) > 10

    shared = [
        (early.path, later.path)
        for early in first
        for later in others
        if set(early.methods or ()) & set(later.methods or ())
        and (
            early.path_regex.match(_example_path(later.path))
            or later.path_regex.match(_example_path(early.path))
        )
    ]
    assert shared == []


def test_the_routes_tried_first_are_first():
    modules = [
        route.endpoint.__module__
        for route in iter_route_contexts(site_routes().routes)
        if getattr(route, "endpoint", None) is not None and route.endpoint.__module__.startswith("app.")
    ]
    leading = modules[: modules.index(next(m for m in modules if m not in TRIED_FIRST))]
    assert set(leading) == set(TRIED_FIRST)
