"""Every unsafe HTML route must check the CSRF token, in a header (htmx) or a form field (plain forms)."""

from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.web.csrf import require_csrf


def _routes_with_dependencies(routes: list, inherited: tuple = ()) -> Iterator[tuple[APIRoute, tuple]]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route, inherited
            continue
        # FastAPI >= 0.16x keeps included routers nested instead of copying their routes.
        original = getattr(route, "original_router", None)
        if original is not None:
            context = getattr(route, "include_context", None)
            extra = tuple(getattr(context, "dependencies", ()) or ()) + tuple(original.dependencies or ())
            yield from _routes_with_dependencies(original.routes, inherited + extra)


def _depends_on_csrf(route: APIRoute, inherited: tuple) -> bool:
    calls = {dependency.call for dependency in route.dependant.dependencies}
    calls |= {getattr(dependency, "dependency", None) for dependency in (*inherited, *route.dependencies)}
    return require_csrf in calls


def test_every_unsafe_route_requires_csrf(app: FastAPI) -> None:
    unsafe = [
        (route, inherited)
        for route, inherited in _routes_with_dependencies(app.routes)
        if route.methods & {"POST", "PUT", "PATCH", "DELETE"}
    ]
    unguarded = sorted(route.path for route, inherited in unsafe if not _depends_on_csrf(route, inherited))

    assert len(unsafe) > 5
    assert unguarded == []


def test_post_without_token_is_refused_with_a_clear_message(client: TestClient) -> None:
    response = client.post("/login", data={"email": "a@example.org", "password": "whatever123"})

    assert response.status_code == 403
    assert "This form has expired; reload the page and try again." in response.text


def test_post_with_token_in_htmx_header_is_accepted(client: TestClient) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]

    response = client.post(
        "/login",
        data={"email": "nobody@example.org", "password": "wrong password"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )

    assert response.status_code == 422
    assert "The email or password is not right." in response.text
    assert "<html" not in response.text
