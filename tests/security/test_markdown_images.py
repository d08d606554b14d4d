"""Markdown written by organisers and speakers (bios, abstracts, descriptions) loads no third-party
image: a remote image is a tracking pixel that tells its owner who read the page, and when."""

import pytest
from fastapi.testclient import TestClient

from app.db import DbSession
from app.web import markdown_to_html
from tests.factories import make_event

TRACKER = "https://tracker.example/pixel.gif?reader=1"


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        (
            f"Hello ![a pixel]({TRACKER})",
            '<p>Hello <a href="https://tracker.example/pixel.gif?reader=1" rel="noopener noreferrer">'
            "a pixel</a></p>\n",
        ),
        (
            "![](http://tracker.example/p.png)",
            '<p><a href="http://tracker.example/p.png" rel="noopener noreferrer">'
            "http://tracker.example/p.png</a></p>\n",
        ),
        ("![logo](//tracker.example/p.png)", "<p>logo</p>\n"),
        (
            "![logo][pixel]\n\n[pixel]: https://tracker.example/ref.png",
            ('<p><a href="https://tracker.example/ref.png" rel="noopener noreferrer">logo</a></p>\n'),
        ),
        (
            "[![badge](https://tracker.example/b.svg)](https://example.org/project)",
            '<p><a href="https://example.org/project" rel="noopener noreferrer">badge</a></p>\n',
        ),
        ("![inline](data:image/gif;base64,R0lGODlhAQABAAAAACw=)", "<p>inline</p>\n"),
    ],
    ids=["https", "http without alt", "scheme-relative", "reference", "inside a link", "data url"],
)
def test_markdown_shows_images_of_other_sites_as_links_never_loads_them(markdown: str, expected: str) -> None:
    assert markdown_to_html(markdown) == expected


def test_markdown_keeps_images_of_our_own_site() -> None:
    html = markdown_to_html("![Speaker](/speaker-photos/3/abc) and ![map](static/venue.png)")

    assert html == (
        '<p><img src="/speaker-photos/3/abc" alt="Speaker"> and <img src="static/venue.png" alt="map"></p>\n'
    )


def test_event_page_description_loads_no_remote_image(db: DbSession, client: TestClient) -> None:
    make_event(db, description=f"Welcome! ![]({TRACKER}) ![venue](/static/venue.png)")

    response = client.get("/events/prelude-test")

    assert response.status_code == 200
    assert '<img src="/static/venue.png" alt="venue">' in response.text
    assert 'src="https://tracker.example' not in response.text
    assert '<a href="https://tracker.example/pixel.gif?reader=1" rel="noopener noreferrer">' in response.text
