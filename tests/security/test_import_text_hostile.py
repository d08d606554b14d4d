"""Hostile text in an imported schedule: nothing of it runs on our pages or leaves as a dangerous link."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import User
from app.db import DbSession
from app.imports.readers import read_schedule
from app.imports.text import imported_text
from app.imports.writer import apply_import
from app.programme.models import Session

HOSTILE = [
    '<script>alert("x")</script>Hello',
    '<img src=x onerror="alert(1)">Hello',
    '<p onclick="alert(1)">Hello</p>',
    '<a href="javascript:alert(1)">Hello</a>',
    '<a href="data:text/html,<script>alert(1)</script>">Hello</a>',
    "<style>body{display:none}</style>Hello",
    '<iframe src="https://evil.example"></iframe>Hello',
    "[Hello](javascript:alert(1))",
    "<svg><script>alert(1)</script></svg>Hello",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_markup_becomes_harmless_text(text: str) -> None:
    cleaned = imported_text(text)

    assert "Hello" in cleaned
    for dangerous in ("<script", "onerror", "onclick", "javascript:alert", "<iframe", "<style", "data:text"):
        assert dangerous not in cleaned.replace("](javascript:alert(1))", "")


def _schedule(event: dict[str, Any]) -> bytes:
    base = {
        "id": 1,
        "title": "Talk",
        "date": "2024-05-02T10:00:00+02:00",
        "start": "10:00",
        "duration": "00:30",
    }
    document = {
        "schedule": {
            "conference": {
                "acronym": "mini",
                "title": "Mini",
                "time_zone_name": "Europe/Berlin",
                "days": [{"index": 1, "date": "2024-05-02", "rooms": {"Hall": [base | event]}}],
            }
        }
    }
    return json.dumps(document).encode()


def test_hostile_texts_and_links_never_reach_the_session_page_as_code(
    db: DbSession, organiser: User, client: TestClient
) -> None:
    plan = read_schedule(
        _schedule(
            {
                "abstract": " ".join(HOSTILE),
                "description": '<p>Fine <a href="javascript:alert(2)">click</a></p>',
                "subtitle": "<script>alert(3)</script>",
                "feedback_url": "javascript:alert(4)",
                "logo": "javascript:alert(5)",
                "links": [
                    {"url": "javascript:alert(6)", "title": "bad"},
                    {"url": "https://example.org/ok", "title": '<b onmouseover="alert(7)">ok</b>'},
                ],
            }
        )
    )
    event = apply_import(db, None, plan, organiser=organiser).event
    event.is_published = True
    db.add(event)
    db.commit()
    session = db.exec(select(Session).where(Session.event_id == event.id)).one()

    page = client.get(f"/events/{event.slug}/sessions/{session.id}").text

    assert (session.feedback_url, session.logo_url) == ("", "")
    assert plan.skipped == (
        "Event 'Talk' (id 1) is imported, but left out: the link javascript:alert(6), which is not a web "
        "address; its feedback_url javascript:alert(4), which is not a web address; its logo "
        "javascript:alert(5), which is not a web address.",
    )
    assert "javascript:" not in session.links
    for number in range(1, 8):
        assert f"alert({number})" not in page.replace("&lt;script&gt;alert(3)&lt;/script&gt;", "")
    assert "<script>alert" not in page and "onmouseover=" not in page and "onerror=" not in page
    assert 'href="https://example.org/ok"' in page
