"""The question pages through HTTP, as the room, an online attendee and the moderator use them without
JavaScript (plain forms and 303s) and with it (JSON answers); what each of them may see."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from app.audience.models import AudienceQuestion
from app.audience.questions import update_settings
from app.i18n import _, speaking
from app.programme.models import SessionKind
from tests.audience.conftest import QuestionDay
from tests.conftest import BrowserLikeClient, csrf_from
from tests.factories import at, make_session
from tests.registration.manage_factories import make_organiser_of


def _ask(client: TestClient, page: str, text: str, **fields: str) -> object:
    token = csrf_from(client.get(page).text)
    return client.post(page, data={"text": text, "csrf_token": token, **fields})


def _texts(html: str) -> list[str]:
    return re.findall(r'<p class="question-text" data-field="text">([^<]*)</p>', html)


def _own(html: str) -> str:
    return html.split('id="own-questions"', 1)[1].split("</ul>", 1)[0]


def _public(html: str) -> str:
    return html.split('id="question-list"', 1)[1].split("</ul>", 1)[0]


def _moderate(
    client: TestClient, question_day: QuestionDay, question_id: int, action: str, **extra: str
) -> object:
    token = csrf_from(client.get(question_day.moderator).text)
    return client.post(
        f"{question_day.moderator}/questions/{question_id}",
        data={"action": action, "csrf_token": token, **extra},
    )


def _moderated(db, client: TestClient, question_day: QuestionDay) -> None:
    keynote = question_day.day.keynote
    update_settings(db, client.app.state.live, keynote, moderated=True, closes_at_end=True)


def _new_browser(client: TestClient) -> TestClient:
    return TestClient(client.app, follow_redirects=False)


def test_a_question_from_the_room_shows_escaped_with_its_origin(client, question_day):
    response = _ask(client, question_day.page, "Is <b>consent</b> enough?", name="Ana Lopes")

    assert response.status_code == 303
    assert response.headers["location"].endswith(question_day.page + "#question-1")
    page = client.get(question_day.page).text
    assert _texts(_public(page)) == ["Is &lt;b&gt;consent&lt;/b&gt; enough?"]
    assert '<span class="badge origin" data-field="origin">In the room</span>' in page
    assert "Ana Lopes" in page


def test_an_online_attendee_asks_from_their_join_link_and_it_says_online(client, db, question_day):
    page = client.get(question_day.online_page).text
    assert "You are asking online." in page

    response = _ask(client, question_day.online_page, "Will the slides be shared?")

    assert response.status_code == 303
    db.rollback()
    question = db.exec(select(AudienceQuestion)).one()
    assert (question.origin.value, question.asker_key) == ("online", f"r{question_day.day.online.id}")


def test_a_join_link_of_an_in_person_attendee_or_forged_counts_as_the_room(client, db, question_day):
    from tests.live.test_join_links import token_for

    day = question_day.day
    for join in (token_for(day.in_person, day.keynote), token_for(day.online, day.keynote)[:-3] + "abc"):
        page = client.get(f"{question_day.page}?join={join}").text
        assert "You are asking from the room." in page


def test_an_empty_question_shows_the_form_again_with_the_error(client, question_day):
    response = _ask(client, question_day.page, "   ", name="Ana")

    assert response.status_code == 422
    assert "Write your question." in response.text
    assert 'value="Ana"' in response.text


def test_with_javascript_asking_and_voting_answer_json(client, question_day):
    token = csrf_from(client.get(question_day.page).text)
    json_headers = {"Accept": "application/json"}

    asked = client.post(
        question_day.page, data={"text": "Open data?", "csrf_token": token}, headers=json_headers
    )
    question_id = asked.json()["question"]["id"]
    vote_url = f"{question_day.page}/{question_id}/vote"
    first = client.post(vote_url, data={"csrf_token": token}, headers=json_headers)
    again = client.post(vote_url, data={"csrf_token": token}, headers=json_headers)
    empty = client.post(question_day.page, data={"text": "", "csrf_token": token}, headers=json_headers)

    assert asked.json()["question"]["state"] == "visible"
    assert (first.json(), again.json()) == ({"id": question_id, "votes": 1, "voted": True},) * 2
    assert (empty.status_code, empty.json()) == (422, {"detail": "Write your question.", "field": "text"})


def test_in_a_moderated_session_only_the_asker_and_moderators_see_a_held_question(client, db, question_day):
    _moderated(db, client, question_day)

    _ask(client, question_day.page, "A question about my own data")

    mine = client.get(question_day.page).text
    assert _texts(_own(mine)) == ["A question about my own data"]
    assert "Only you and the moderators see it until it is approved." in mine
    assert _texts(_public(mine)) == []
    with _new_browser(client) as stranger:
        theirs = stranger.get(question_day.page).text
        projector = stranger.get(question_day.page + "/projector").text
    assert "my own data" not in theirs and "my own data" not in projector
    assert "Questions waiting for the moderator: <strong data-held>1</strong>" in theirs
    assert "my own data" in client.get(question_day.moderator).text


def test_the_moderator_approves_and_pins_and_everyone_sees_it(client, db, question_day):
    _moderated(db, client, question_day)
    _ask(client, question_day.page, "How is the data anonymised?")

    assert _moderate(client, question_day, 1, "approve").status_code == 303
    assert _moderate(client, question_day, 1, "pin").status_code == 303

    with _new_browser(client) as stranger:
        assert _texts(_public(stranger.get(question_day.page).text)) == ["How is the data anonymised?"]
        projector = stranger.get(question_day.page + "/projector").text
    assert '<p class="projector-text" data-field="text">How is the data anonymised?</p>' in projector


def test_merging_from_the_moderator_page_needs_a_question_of_the_session(client, question_day):
    _ask(client, question_day.page, "First?")
    with _new_browser(client) as other:
        _ask(other, question_day.page, "First??")

    refused = _moderate(client, question_day, 2, "merge", into="99")
    merged = _moderate(client, question_day, 2, "merge", into="1")

    assert refused.status_code == 404 and "There is no such question in this session." in refused.text
    assert merged.status_code == 303
    assert _texts(_public(client.get(question_day.page).text)) == ["First?"]


def test_a_forged_or_renewed_moderator_link_opens_nothing(client, db, question_day):
    from app.audience.questions import renew_moderator_link

    assert client.get(question_day.moderator[:-2] + "xx").status_code == 404
    renew_moderator_link(db, question_day.day.keynote)

    response = client.get(question_day.moderator)

    assert response.status_code == 404
    assert "This moderator link was revoked." in response.text


def test_after_the_session_questions_are_closed(client, question_day, clock):
    clock(question_day.after)

    page = client.get(question_day.page)
    refused = _ask(client, question_day.page, "Too late?")

    assert "Questions for this session are closed." in page.text and 'class="ask-form"' not in page.text
    assert refused.status_code == 409 and "Questions for this session are closed." in refused.text


def test_a_sixth_question_in_a_minute_is_refused(client, question_day):
    answers = [_ask(client, question_day.page, f"Question number {n}?").status_code for n in range(6)]

    assert answers == [303] * 5 + [429]


def test_a_poll_with_hidden_results_shows_them_after_the_reveal(client, question_day):
    token = csrf_from(client.get(question_day.moderator).text)
    created = client.post(
        f"{question_day.moderator}/polls",
        data={
            "csrf_token": token,
            "question": "Share data with industry?",
            "options": "Yes\nNo",
            "results_hidden": "on",
        },
    )
    assert created.status_code == 303

    page = client.get(question_day.page).text
    vote_url = re.search(r'action="([^"]*/polls/1/vote)"', page).group(1)
    yes = re.search(r'name="option" value="(\d+)"', page).group(1)
    voted = client.post(vote_url, data={"csrf_token": csrf_from(page), "option": yes})
    after_vote = client.get(question_day.page).text
    client.post(f"{question_day.moderator}/polls/1", data={"csrf_token": token, "action": "reveal"})
    revealed = client.get(question_day.page).text

    assert voted.status_code == 303
    assert "Thank you, your vote is counted." in after_vote
    assert 'data-count="p1">1</span>' in after_vote and 'data-count="o1"' not in after_vote
    assert 'data-count="o1">1</span>' in revealed


def test_the_moderator_downloads_every_question_as_csv(client, question_day):
    _ask(client, question_day.page, "Asked for the report?")

    response = client.get(f"{question_day.moderator}/questions.csv")

    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.text.splitlines()[1].split(",")[2] == "Asked for the report?"


def test_question_pages_are_private_and_send_no_referrer(client, question_day):
    for url in (question_day.page, question_day.online_page, question_day.moderator):
        response = client.get(url)
        assert (response.headers["cache-control"], response.headers["referrer-policy"]) == (
            "private, no-store",
            "no-referrer",
        )


def test_organisers_give_each_session_a_moderator_link_and_can_renew_it(db, client, organiser, question_day):
    make_organiser_of(db, question_day.day.event, organiser)
    browser = BrowserLikeClient(client)
    browser.login(organiser.email)
    base = f"/manage/events/{question_day.day.event.slug}/questions"
    _ask(client, question_day.page, "For the organisers' report?")

    page = browser.get(base).text
    links = re.findall(r'class="link-field" readonly value="http://testserver(/moderate/[^"]+)"', page)
    # Links are signed with the time: compare the sessions they open, not their text.
    opened = [re.search(r"<h1>Questions: (.*?)</h1>", client.get(link).text).group(1) for link in links]
    keynote_link = links[opened.index(question_day.day.keynote.title)]
    renewed = browser.post(f"{base}/{question_day.day.keynote.id}/renew")
    report = browser.get(f"{base}.csv")

    assert len(links) == 3 and question_day.day.keynote.title in opened
    assert renewed.status_code == 303
    assert client.get(question_day.moderator).status_code == 404
    assert client.get(keynote_link).status_code == 404
    assert [row.split(",")[2] for row in report.text.splitlines()[1:]] == ["For the organisers' report?"]


def test_an_online_attendees_page_and_waiting_page_lead_to_their_own_question_page(
    client, question_day, clock
):
    from urllib.parse import urlsplit

    from app.registration.links import manage_token
    from tests.live.test_join_links import token_for
    from tests.registration.public_factories import SECRET_KEY

    day = question_day.day
    own_page = client.get(f"/registrations/{manage_token(SECRET_KEY, day.online)}").text
    links = re.findall(r'href="([^"]*/questions\?join=[^"]+)"', own_page)
    clock(day.keynote.start_at - timedelta(hours=2))
    waiting = client.get(f"/join/{token_for(day.online, day.keynote)}").text

    assert len(links) >= 1
    keynote_link = next(link for link in links if f"/sessions/{day.keynote.id}/" in link)
    assert (
        "You are asking online."
        in client.get(urlsplit(keynote_link)._replace(scheme="", netloc="").geturl()).text
    )
    assert re.search(rf'href="[^"]*/sessions/{day.keynote.id}/questions\?join=', waiting)


def test_a_question_for_one_talk_of_the_session_names_the_talk(client, db, question_day):
    from tests.factories import make_talk

    talk = make_talk(db, question_day.day.keynote, title="Federated learning in practice")
    form = client.get(question_day.page).text
    refused = _ask(client, question_day.page, "Which hospitals?", talk_id="999")
    asked = _ask(client, question_day.page, "Which hospitals took part?", talk_id=str(talk.id))

    assert f'<option value="{talk.id}">Federated learning in practice</option>' in form
    assert refused.status_code == 422 and "Choose a talk of this session." in refused.text
    assert asked.status_code == 303
    page = client.get(question_day.page).text
    assert '<span class="question-talk" data-field="talk">Federated learning in practice</span>' in page


def test_the_sessions_chair_finds_the_moderator_link_in_their_portal(client, db, question_day):
    from app.programme.models import RoleKind
    from app.speakers.links import portal_token
    from tests.factories import add_role, make_speaker
    from tests.registration.public_factories import SECRET_KEY

    keynote = question_day.day.keynote
    chair = make_speaker(
        db, question_day.day.event, name="Inès Chair", email="ines@example.org", portal_secret="c"
    )
    speaker = make_speaker(
        db, question_day.day.event, name="Tom Speaker", email="tom@example.org", portal_secret="s"
    )
    add_role(db, keynote, chair, role=RoleKind.chair)
    add_role(db, keynote, speaker, role=RoleKind.speaker)

    chair_portal = client.get(f"/speaker-portal/{portal_token(SECRET_KEY, chair)}").text
    speaker_portal = client.get(f"/speaker-portal/{portal_token(SECRET_KEY, speaker)}").text

    [link] = re.findall(r'<a class="button" href="http://testserver(/moderate/[^"]+)">Moderate', chair_portal)
    assert f"<h1>Questions: {keynote.title}</h1>" in client.get(link).text
    assert "/moderate/" not in speaker_portal


def test_a_vote_for_a_question_of_another_session_says_why_on_a_page(client, question_day):
    token = csrf_from(client.get(question_day.page).text)

    response = client.post(f"{question_day.page}/999/vote", data={"csrf_token": token})

    assert response.status_code == 404
    assert "<h1>Not counted</h1>" in response.text
    assert "There is no such question in this session." in response.text


def test_a_break_has_no_questions(client, db, question_day):
    event = question_day.day.event
    coffee = make_session(
        db,
        event,
        title="Coffee break",
        kind=SessionKind.break_,
        start_at=at(event, 0, 10),
        end_at=at(event, 0, 10, 30),
    )

    session_page = client.get(f"/events/{event.slug}/sessions/{coffee.id}").text
    keynote_page = client.get(f"/events/{event.slug}/sessions/{question_day.day.keynote.id}").text
    questions = client.get(f"/events/{event.slug}/sessions/{coffee.id}/questions").text

    assert "Coffee break" in session_page
    assert "Ask a question, vote, answer the polls" not in session_page
    assert "Ask a question, vote, answer the polls" in keynote_page
    assert "Questions for this session are closed." in questions


def _script_headers(client: TestClient, page: str, **extra: str) -> dict[str, str]:
    # As static/js/audience.js sends a vote: JSON, the page's token in the header, no form body.
    token = csrf_from(client.get(page).text)
    return {"Accept": "application/json", "X-CSRF-Token": token, **extra}


def test_a_vote_from_the_pages_script_counts_once_with_the_routes_answer_and_headers(client, question_day):
    headers = _script_headers(client, question_day.page)
    asked = client.post(question_day.page, data={"text": "Who pays?"}, headers=headers)
    vote_url = f"{question_day.page}/{asked.json()['question']['id']}/vote"

    first = client.post(vote_url, headers=headers)
    again = client.post(vote_url, headers=headers)
    by_form = client.post(
        vote_url, data={"csrf_token": headers["X-CSRF-Token"]}, headers={"Accept": "application/json"}
    )

    assert [first.json()["votes"], again.json()["votes"], by_form.json()["votes"]] == [1, 1, 1]
    assert first.headers["cache-control"] == by_form.headers["cache-control"] == "private, no-store"
    assert first.headers["referrer-policy"] == "no-referrer"
    assert first.headers["content-security-policy"] == by_form.headers["content-security-policy"]


def test_a_vote_from_the_script_after_the_session_is_refused_in_the_visitors_language(
    client, question_day, clock
):
    headers = _script_headers(client, question_day.page, **{"Accept-Language": "fr"})
    asked = client.post(question_day.page, data={"text": "Et les données ?"}, headers=headers)
    clock(question_day.after)

    refused = client.post(f"{question_day.page}/{asked.json()['question']['id']}/vote", headers=headers)

    with speaking("fr"):
        closed = _("Questions for this session are closed.")
    assert closed != "Questions for this session are closed."
    assert (refused.status_code, refused.json()) == (409, {"detail": closed})


def test_a_vote_from_the_script_with_a_stale_token_or_for_another_session_is_refused(client, question_day):
    headers = _script_headers(client, question_day.page)
    asked = client.post(question_day.page, data={"text": "Which licence?"}, headers=headers)
    question_id = asked.json()["question"]["id"]
    event_page = question_day.page.rsplit("/sessions/", 1)[0]

    stale = client.post(
        f"{question_day.page}/{question_id}/vote", headers={**headers, "X-CSRF-Token": "an old token"}
    )
    elsewhere = client.post(f"{event_page}/sessions/999999/questions/{question_id}/vote", headers=headers)
    beyond_any_id = client.post(f"{question_day.page}/{'9' * 20}/vote", headers=headers)
    not_a_number = client.post(f"{question_day.page}/%C2%B2/vote", headers=headers)  # "²", a digit to Python

    assert stale.status_code == 403
    assert elsewhere.status_code == 404
    assert beyond_any_id.status_code == 404
    assert not_a_number.status_code == 422


def test_a_stream_that_cannot_open_gets_the_page_that_says_why(client, db, question_day):
    from app.audience.questions import renew_moderator_link

    slug = question_day.day.event.slug
    missing = client.get(f"/events/{slug}/sessions/999999/questions/stream")
    malformed = client.get(f"{question_day.page}/stream?after=soon")
    superscript = client.get(f"{question_day.page}/stream?after=%C2%B2")
    renew_moderator_link(db, question_day.day.keynote)
    revoked = client.get(f"{question_day.moderator}/stream")

    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert malformed.status_code == 422 and superscript.status_code == 422
    assert revoked.status_code == 404 and "This moderator link was revoked." in revoked.text
    # The answers of the streams' own path (app.audience.routes.StreamFastPath) too have every page's headers.
    assert missing.headers["x-content-type-options"] == "nosniff"


def test_a_vote_from_the_script_for_a_hidden_question_or_an_event_taken_offline_is_refused(
    client, db, question_day
):
    headers = _script_headers(client, question_day.page)
    ids = [
        client.post(question_day.page, data={"text": text}, headers=headers).json()["question"]["id"]
        for text in ("Off topic", "On topic")
    ]
    _moderate(client, question_day, ids[0], "hide")

    hidden = client.post(f"{question_day.page}/{ids[0]}/vote", headers=headers)
    db.rollback()  # the test's own read of the fixture is older than the app's writes (SQLite)
    event = question_day.day.event
    event.is_published = False
    db.add(event)
    db.commit()
    offline = client.post(f"{question_day.page}/{ids[1]}/vote", headers=headers)

    assert (hidden.status_code, hidden.json()) == (404, {"detail": "This question cannot be voted on."})
    assert offline.status_code == 404
    assert db.exec(select(AudienceQuestion.votes).where(AudienceQuestion.id.in_(ids))).all() == [0, 0]
