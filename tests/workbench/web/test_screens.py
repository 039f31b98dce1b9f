"""The screens' behaviour with a test client: logging in and out, the queue, the case screen
(grouping, flags, confirm/edit/reject/add with their conflicts and errors), page images and
words, recording a decision, and escaping what a packet or request says."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from priorauth.workbench.store.cases import save_facts
from priorauth.workbench.store.db import engine_for, session_factory
from priorauth.workbench.store.models import Role
from tests.workbench.api.helpers import auth, packet_files, request_text, wait_for
from tests.workbench.web.conftest import PASSWORD, log_in

Browser = Callable[[Role], tuple[TestClient, str]]


def _alert(page: str) -> str:
    found = re.search(r'class="alert" role="alert">([^<]*)<', page)
    return "" if found is None else html.unescape(found.group(1))


def _facts(client: TestClient, tokens: dict[Role, str], case_id: int) -> dict[str, Any]:
    answer = client.get(f"/api/cases/{case_id}/facts", headers=auth(tokens[Role.ADMIN]))
    return {fact["id"]: fact for fact in answer.json()}


def test_login_failures_and_logout(
    client: TestClient,
    web_users: None,  # noqa: ARG001 - the users log in
) -> None:
    login = client.get("/login?next=/cases/new")
    nonce = re.search(r'name="nonce" value="([^"]+)"', login.text)
    assert nonce is not None
    wrong = client.post(
        "/login", data={"name": "reviewer-web", "password": "nope", "nonce": nonce.group(1)}
    )
    assert wrong.status_code == 401
    assert _alert(wrong.text) == "Unknown name or wrong password."
    assert "priorauth_session" not in client.cookies
    client.cookies.clear()
    for forged in ("forged", "é"):
        stale = client.post(
            "/login", data={"name": "reviewer-web", "password": PASSWORD, "nonce": forged}
        )
        assert stale.status_code == 401
        assert _alert(stale.text) == "The login form expired: please try again."

    csrf = log_in(client, "reviewer-web")
    cookie = client.cookies["priorauth_session"]
    assert client.get("/", follow_redirects=False).status_code == 200
    client.post("/logout", data={"csrf": csrf})
    client.cookies.set("priorauth_session", cookie)  # an old cookie kept by an attacker
    after = client.get("/", follow_redirects=False)
    assert after.status_code == 303
    assert after.headers["location"] == "/login?next=/"


def test_login_only_returns_to_this_site(
    client: TestClient,
    web_users: None,  # noqa: ARG001 - the users log in
) -> None:
    for next_path, expected in (
        ("/cases/new", "/cases/new"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example", "/"),
    ):
        client.cookies.clear()
        form = client.get("/login", params={"next": next_path}).text
        nonce = re.search(r'name="nonce" value="([^"]+)"', form)
        assert nonce is not None
        answer = client.post(
            "/login",
            data={
                "name": "admin-web",
                "password": PASSWORD,
                "nonce": nonce.group(1),
                "next": next_path,
            },
            follow_redirects=False,
        )
        assert answer.headers["location"] == expected, next_path


def test_the_queue_escapes_what_requests_say(
    client: TestClient, tokens: dict[Role, str], browser_for: Browser
) -> None:
    request = json.loads(request_text())
    request["member"]["name"] = "<script>alert(1)</script> Brooks"
    created = client.post(
        "/api/cases",
        data={"request": json.dumps(request)},
        files=packet_files(),
        headers=auth(tokens[Role.INTAKE]),
    ).json()["id"]
    wait_for(client, tokens[Role.INTAKE], created)
    browser, _csrf = browser_for(Role.REVIEWER)
    queue = browser.get("/", params={"q": "brooks"}).text
    assert "<script>alert(1)</script>" not in queue
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Brooks" in queue
    assert f'href="/cases/{created}"' in queue
    assert "overdue" not in queue  # received just now: 24 h to go
    empty = browser.get("/", params={"q": "nobody-like-this"}).text
    assert "No cases match." in empty
    case_page = browser.get(f"/cases/{created}").text
    assert "<script>alert(1)</script>" not in case_page


def test_the_case_screen_groups_facts_and_flags_the_doubtful(
    client: TestClient,
    tokens: dict[Role, str],
    browser_for: Browser,
    ready_case: dict[str, Any],
    database_url: str,
) -> None:
    case_id = ready_case["case"]
    evidence = [{"document": "02-allergy-clinic-note.pdf", "page": 1, "quote": "BSA 40%"}]
    doubtful: list[dict[str, Any]] = [
        {"id": "bsa-a", "name": "bsa_involvement", "value": {"percent": 8}, "date": "2026-02-05"},
        {"id": "bsa-b", "name": "bsa_involvement", "value": {"percent": 30}, "date": "2026-02-05"},
        {"id": "ghost", "name": "bsa_involvement", "value": {"percent": 40}, "grounded": False},
    ]
    engine = engine_for(database_url)
    try:
        with session_factory(engine).begin() as session:
            save_facts(
                session,
                case_id,
                [{**fact, "evidence": evidence} for fact in doubtful],
                None,
                "extractor",
            )
    finally:
        engine.dispose()
    browser, _csrf = browser_for(Role.REVIEWER)
    page = browser.get(f"/cases/{case_id}").text
    item = page[page.index('id="item-I.I.2"') : page.index('id="item-I.I.3"')]
    for fact_id in ("bsa-a", "bsa-b", "ghost"):
        assert f'id="fact-{fact_id}"' in item
    card = item[item.index('id="fact-bsa-a"') : item.index('id="fact-bsa-b"')]
    assert "conflicts" in card
    # The packet's own 8 % agrees with bsa-a; only bsa-b's 30 % disagrees with it.
    assert "1 other bsa involvement fact about 2026-02-05 says something else" in card
    other = item[item.index('id="fact-bsa-b"') : item.index('id="fact-ghost"')]
    assert "2 other bsa involvement facts about 2026-02-05 say something else" in other
    ghost = item[item.index('id="fact-ghost"') :]
    assert "not found in packet" in ghost
    assert 'class="fact status-proposed attention"' in item
    assert len(_facts(client, tokens, case_id)) == page.count('<article class="fact ')


def test_confirm_edit_reject_and_their_conflicts(
    client: TestClient, tokens: dict[Role, str], browser_for: Browser, ready_case: dict[str, Any]
) -> None:
    case_id, fact_id = ready_case["case"], ready_case["fact"]
    first, first_csrf = browser_for(Role.REVIEWER)
    second, second_csrf = browser_for(Role.PHARMACIST)
    version = _facts(client, tokens, case_id)[fact_id]["version"]
    url = f"/cases/{case_id}/facts/{fact_id}/status"

    confirmed = first.post(
        url,
        data={"csrf": first_csrf, "version": version, "status": "confirmed"},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == f"/cases/{case_id}#fact-{fact_id}"
    fact = _facts(client, tokens, case_id)[fact_id]
    assert (fact["status"], fact["updated_by"]) == ("confirmed", "reviewer-web")

    # The second reviewer still has the old page: refused, told why, nothing overwritten.
    late = second.post(url, data={"csrf": second_csrf, "version": version, "status": "rejected"})
    assert late.status_code == 409
    assert "reload it" in _alert(late.text)
    assert _facts(client, tokens, case_id)[fact_id]["status"] == "confirmed"

    rejected = second.post(
        url, data={"csrf": second_csrf, "version": fact["version"], "status": "rejected"}
    )
    assert rejected.status_code == 200
    assert _facts(client, tokens, case_id)[fact_id]["status"] == "rejected"


def test_edit_a_fact(
    client: TestClient, tokens: dict[Role, str], browser_for: Browser, ready_case: dict[str, Any]
) -> None:
    case_id = ready_case["case"]
    facts = _facts(client, tokens, case_id)
    fact = next(f for f in facts.values() if f["name"] == "bsa_involvement")
    browser, csrf = browser_for(Role.REVIEWER)
    url = f"/cases/{case_id}/facts/{fact['id']}/edit"
    form = {
        "csrf": csrf,
        "version": fact["version"],
        "value.percent": "12",
        "date": "2026-02-01",
        "context.historical": "on",
    }
    saved = browser.post(url, data=form, follow_redirects=False)
    assert saved.status_code == 303, _alert(saved.text)
    edited = _facts(client, tokens, case_id)[fact["id"]]
    assert edited["value"]["percent"] == 12
    assert edited["date"] == "2026-02-01"
    assert edited["context"]["historical"] is True
    assert edited["context"]["negated"] is False
    assert edited["status"] == "confirmed"
    assert edited["evidence"] == fact["evidence"]  # the evidence stays as it was found

    too_much = browser.post(
        url, data={**form, "version": edited["version"], "value.percent": "150"}
    )
    assert too_much.status_code == 422
    assert "value.percent" in _alert(too_much.text)
    # The form comes back open with what was typed, to correct.
    card = too_much.text[too_much.text.index(f'id="fact-{fact["id"]}"') :]
    card = card[: card.index("</article>")]
    assert '<details class="edit" open>' in card
    assert 'name="value.percent" type="number" step="any" value="150"' in card
    assert 'name="date" value="2026-02-01"' in card
    assert 'name="context.historical" checked' in card
    bad_date = browser.post(url, data={**form, "version": edited["version"], "date": "Feb 1"})
    assert _alert(bad_date.text) == "facts: date: 'Feb 1' is not a date (YYYY-MM-DD)"
    assert _facts(client, tokens, case_id)[fact["id"]]["version"] == edited["version"]


def test_add_a_fact_from_selected_words(
    client: TestClient, tokens: dict[Role, str], browser_for: Browser, ready_case: dict[str, Any]
) -> None:
    case_id = ready_case["case"]
    browser, csrf = browser_for(Role.REVIEWER)
    words = browser.get(f"/cases/{case_id}/documents/2/pages/1/words").json()
    assert words["pages"] >= 1
    assert words["width"] > 0
    chosen = words["words"][3:6]
    form = {
        "csrf": csrf,
        "name": "consultation",
        "consultation.specialty": "dermatology",
        "evidence.document": "2",
        "evidence.page": "1",
        "evidence.start": str(chosen[0]["start"]),
        "evidence.end": str(chosen[-1]["end"]),
        "evidence.quote": " ".join(word["text"] for word in chosen),
    }
    # Words the reviewer did not see at those offsets: refused, nothing stored.
    other = {**form, "evidence.quote": "Approved by the medical director"}
    mismatch = browser.post(f"/cases/{case_id}/facts", data=other)
    assert mismatch.status_code == 422
    assert "select again" in _alert(mismatch.text)
    added = browser.post(f"/cases/{case_id}/facts", data=form, follow_redirects=False)
    assert added.status_code == 303, _alert(added.text)
    (fact,) = [f for f in _facts(client, tokens, case_id).values() if f["name"] == "consultation"]
    (evidence,) = fact["evidence"]
    assert evidence["quote"] == " ".join(word["text"] for word in chosen)
    assert evidence["document"] == "02-allergy-clinic-note.pdf"
    assert evidence["bbox"]["x0"] == min(word["x0"] for word in chosen)
    assert (fact["status"], fact["source"]["kind"]) == ("confirmed", "reviewer")

    outside = browser.post(f"/cases/{case_id}/facts", data={**form, "evidence.end": "999999"})
    assert outside.status_code == 422
    assert "outside the page" in _alert(outside.text)
    missing = browser.post(
        f"/cases/{case_id}/facts",
        data={**form, "consultation.specialty": "", "date": "2026-01-05"},
    )
    assert _alert(missing.text) == "facts: value.specialty: is required"
    add_form = missing.text[missing.text.index('id="add-form"') :]
    assert '<option value="consultation" selected>' in add_form
    assert 'name="date" value="2026-01-05"' in add_form
    assert f'name="evidence.start" id="sel-start" value="{chosen[0]["start"]}"' in add_form


def test_page_images_and_words(browser_for: Browser, ready_case: dict[str, Any]) -> None:
    case_id = ready_case["case"]
    browser, _csrf = browser_for(Role.INTAKE)
    image = browser.get(f"/cases/{case_id}/documents/1/pages/1.png?width=600")
    assert image.status_code == 200
    assert image.content.startswith(b"\x89PNG")
    assert image.headers["cache-control"] == "private, max-age=3600"
    assert int.from_bytes(image.content[16:20], "big") == 600  # the PNG header's width
    assert browser.get(f"/cases/{case_id}/documents/9/pages/1.png").status_code == 404
    beyond = browser.get(f"/cases/{case_id}/documents/1/pages/40/words")
    assert beyond.status_code == 404
    assert "01-pa-request-form.pdf: page: no page 40 (the document has 1)" in beyond.text
    progress = browser.get(f"/cases/{case_id}/progress").json()
    assert progress["status"] == "ready"
    # Anything not found is a page for a person, and JSON for an API client.
    for path in ("/cases/99999", "/cases/99999/decision", "/cases/99999/documents/1/pages/1.png"):
        missing = browser.get(path)
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("text/html")
        assert "no case 99999" in missing.text


def test_recording_a_decision(browser_for: Browser, ready_case: dict[str, Any]) -> None:
    case_id = ready_case["case"]
    admin, admin_csrf = browser_for(Role.ADMIN)
    url = f"/cases/{case_id}/decision"
    page = admin.get(url).text
    assert 'value="deny" required' in page
    assert "(pharmacists only)" in page
    refused = admin.post(url, data={"csrf": admin_csrf, "outcome": "deny", "comment": "x"})
    assert refused.status_code == 403
    pharmacist, csrf = browser_for(Role.PHARMACIST)
    blank = pharmacist.post(url, data={"csrf": csrf, "outcome": "deny", "comment": " "})
    assert blank.status_code == 422
    assert _alert(blank.text) == "decision: comment: a decision is recorded with a comment"
    decision_page = pharmacist.get(url).text
    # Nothing confirmed: the engine pends; a denial would rest on the comment alone, so the
    # screen says the letter quotes it.
    assert re.search(r'value="deny"[^>]*> deny <small class="quoted">', decision_page)
    assert not re.search(r'value="pend"[^>]*> pend <small class="quoted">', decision_page)
    assert "For deny" in decision_page
    shown = re.search(r'name="shown" value="([0-9a-f]{64})"', decision_page)
    assert shown is not None
    form = {"csrf": csrf, "outcome": "pend", "comment": "Need dates of steroid use."}
    recorded = pharmacist.post(url, data={**form, "shown": shown.group(1)})
    assert recorded.status_code == 200
    assert str(recorded.url).endswith(f"/cases/{case_id}/letter")
    assert "<h1>Letter <small>request for information</small></h1>" in recorded.text
    text = pharmacist.get(f"/cases/{case_id}/letter.txt")
    assert text.headers["content-disposition"] == (
        f'attachment; filename="case-{case_id}-letter.txt"'
    )
    assert "GA-MCD-26-004417" in text.text


def test_a_decision_is_made_on_the_recommendation_shown_and_closes_the_case(
    client: TestClient, tokens: dict[Role, str], browser_for: Browser, ready_case: dict[str, Any]
) -> None:
    case_id, fact_id = ready_case["case"], ready_case["fact"]
    url = f"/cases/{case_id}/decision"
    pharmacist, csrf = browser_for(Role.PHARMACIST)
    shown = re.search(r'name="shown" value="([0-9a-f]{64})"', pharmacist.get(url).text)
    assert shown is not None
    form = {"csrf": csrf, "outcome": "pend", "comment": "More to come.", "shown": shown.group(1)}
    # Meanwhile a reviewer confirms a fact: the recommendation the pharmacist saw is gone.
    reviewer, reviewer_csrf = browser_for(Role.REVIEWER)
    version = _facts(client, tokens, case_id)[fact_id]["version"]
    reviewer.post(
        f"/cases/{case_id}/facts/{fact_id}/status",
        data={"csrf": reviewer_csrf, "version": version, "status": "confirmed"},
    )
    stale = pharmacist.post(url, data=form)
    assert stale.status_code == 409
    assert "changed since it was shown" in _alert(stale.text)
    fresh = re.search(r'name="shown" value="([0-9a-f]{64})"', stale.text)
    assert fresh is not None
    assert pharmacist.post(url, data={**form, "shown": fresh.group(1)}).status_code == 200
    # Decided: a second decision (a double click) and fact changes are refused.
    again = pharmacist.post(url, data={**form, "shown": fresh.group(1)})
    assert again.status_code == 409
    assert "is decided" in _alert(again.text)
    facts = _facts(client, tokens, case_id)
    late = reviewer.post(
        f"/cases/{case_id}/facts/{fact_id}/status",
        data={"csrf": reviewer_csrf, "version": facts[fact_id]["version"], "status": "rejected"},
    )
    assert late.status_code == 409
    assert _facts(client, tokens, case_id)[fact_id]["status"] == "confirmed"
    decisions = client.get(f"/api/cases/{case_id}/letter", headers=auth(tokens[Role.ADMIN]))
    assert decisions.json()["outcome"] == "pend"


def test_a_case_from_the_request_form(
    client: TestClient, tokens: dict[Role, str], browser_for: Browser
) -> None:
    browser, csrf = browser_for(Role.INTAKE)
    sample = json.loads(request_text())
    member, prescriber, drug = sample["member"], sample["prescriber"], sample["medication"]
    diagnosis = sample["diagnoses"][0]
    form = {
        "csrf": csrf,
        "request_id": sample["request_id"],
        "received_date": sample["received_date"],
        "request_type": sample["request_type"],
        "line_of_business": sample["line_of_business"],
        "state": sample["state"],
        "member.id": member["id"],
        "member.name": member["name"],
        "member.dob": member["dob"],
        "member.sex": member["sex"],
        "prescriber.name": prescriber["name"],
        "prescriber.npi": prescriber["npi"],
        "prescriber.specialty": prescriber["specialty"],
        "medication.product": drug["product"],
        "medication.strength": drug["strength"],
        "medication.quantity": str(drug["quantity"]),
        "medication.unit": drug["unit"],
        "medication.days_supply": str(drug["days_supply"]),
        "medication.sig": drug["sig"],
        "diagnosis.icd10": diagnosis["icd10"],
        "diagnosis.description": diagnosis["description"],
        "requested_duration_months": "",
    }
    files = [("files", item[1]) for item in packet_files()]
    created = browser.post("/cases/new", data=form, files=files, follow_redirects=False)
    assert created.status_code == 303, _alert(created.text)
    case_id = int(created.headers["location"].rsplit("/", 1)[1])
    case = wait_for(client, tokens[Role.INTAKE], case_id)
    assert (case["request_id"], case["product"], case["status"]) == (
        sample["request_id"],
        "Opzelura",
        "ready",
    )
    # A mistake comes back as one line, with everything typed still in the form.
    wrong = browser.post("/cases/new", data={**form, "medication.quantity": "sixty"}, files=files)
    assert wrong.status_code == 422
    assert _alert(wrong.text) == "request: medication.quantity: 'sixty' is not a number"
    assert f'name="member.name" type="text" value="{member["name"]}"' in wrong.text
