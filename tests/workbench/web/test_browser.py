"""The workbench in a real browser: Debian's chromium, headless, driven by Playwright, against
a real server (uvicorn) on a SQLite file.

A pharmacist logs in, uploads a sample packet, watches it being read, checks evidence boxes
on the page image, confirms facts (with the mouse and the keyboard), adds a fact by
selecting words on the page, sees the recommendation, records the decision and reads the
letter. Screenshots of each screen are saved under ``build/test-artifacts/browser``
(``PRIORAUTH_TEST_ARTIFACTS`` moves them).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from priorauth.adjudicate import Policy
from priorauth.extract.pipeline import Extractor
from priorauth.workbench.api.app import create_app
from tests.workbench.api.helpers import SAMPLE
from tests.workbench.web.conftest import PASSWORD, add_users
from tests.workbench.web.server import serving

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("PRIORAUTH_TEST_ARTIFACTS", "build/test-artifacts")) / "browser"
# Headless on a machine with no display, no GPU and no network beyond this test's server.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--metrics-recording-only",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/setup-system installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


@pytest.fixture
def base_url(tmp_path: Path, extractor: Extractor) -> Iterator[str]:
    def shared(_policy: Policy) -> Extractor:
        return extractor

    database_url = f"sqlite:///{tmp_path / 'browser.db'}"
    with serving(create_app(database_url, make_extractor=shared)) as url:
        add_users(database_url)
        yield url


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url, viewport={"width": 1440, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page: Page, name: str) -> None:
    page.goto("/")
    expect(page).to_have_url("/login?next=/")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_contain_text("Case queue")


def upload_sample(page: Page) -> None:
    page.get_by_role("link", name="New case").click()
    page.locator("summary", has_text="Paste the request as JSON").click()
    page.locator("textarea[name=request_json]").fill(
        (SAMPLE / "request.json").read_text(encoding="utf-8")
    )
    page.locator("input[name=files]").set_input_files(sorted((SAMPLE / "packet").glob("*.pdf")))
    page.get_by_label("Expedited review").check()
    page.get_by_role("button", name="Create case and read the packet").click()
    # The progress panel reloads the page when extraction is done.
    expect(page.locator("#case-status")).to_have_text("ready", timeout=60_000)


def test_a_pharmacist_reviews_decides_and_reads_the_letter(page: Page) -> None:
    log_in(page, "pharmacist-web")
    shot(page, "01-queue-empty")
    upload_sample(page)
    shot(page, "02-case-ready")

    # Evidence: the first fact's quote is boxed on its page image.
    first = page.locator(".fact .evidence-link").first
    first.click()
    box = page.locator("#highlights .box").first
    expect(box).to_be_visible()
    image = page.locator("#page-image")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0
    marked, shown = box.bounding_box(), image.bounding_box()
    assert marked is not None
    assert shown is not None
    assert marked["width"] > 5
    assert marked["height"] > 3
    assert shown["x"] <= marked["x"] <= shown["x"] + shown["width"]
    assert shown["y"] <= marked["y"] <= shown["y"] + shown["height"]
    shot(page, "03-evidence-highlighted")

    # Confirm one fact from the keyboard, then the rest with the mouse.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("j")
    chosen = page.locator(".fact.current").get_attribute("id")
    page.keyboard.press("c")
    expect(page.locator(".fact.status-confirmed")).to_have_count(1)
    # After the page comes back, the keys go on from the fact just confirmed, on screen.
    expect(page.locator(".fact.current")).to_have_attribute("id", chosen or "")
    expect(page.locator(".fact.current")).to_be_in_viewport()
    while page.locator("button.confirm").count():
        remaining = page.locator("button.confirm").count()
        page.locator("button.confirm").first.click()
        expect(page.locator("button.confirm")).to_have_count(remaining - 1)
    expect(page.locator(".fact.status-proposed")).to_have_count(0)

    # A fact of the reviewer's own, citing words selected on the page.
    page.locator(".fact .evidence-link").first.click()
    page.wait_for_load_state("networkidle")
    words = page.locator("#word-layer span")
    expect(words.first).to_be_attached()
    start, end = words.nth(0).bounding_box(), words.nth(2).bounding_box()
    assert start is not None
    assert end is not None
    page.mouse.move(start["x"] + 2, start["y"] + 2)
    page.mouse.down()
    page.mouse.move(end["x"] + 2, end["y"] + 2, steps=4)
    page.mouse.up()
    selected = " ".join(words.nth(i).get_attribute("title") or "" for i in range(3))
    expect(page.locator("#sel-quote")).to_have_text(selected)
    page.locator("#add-kind").select_option("consultation")
    page.locator("input[name='consultation.specialty']").fill("dermatology")
    shot(page, "04-words-selected")
    page.get_by_role("button", name="Add confirmed fact").click()
    added = page.locator(".fact", has=page.locator(".source", has_text="reviewer"))
    expect(added).to_have_count(1)
    expect(added.locator("q")).to_have_text(selected)

    # The decision: the engine's recommendation from the confirmed facts, then recorded.
    expected = json.loads((SAMPLE / "decision.json").read_text(encoding="utf-8"))["decision"]
    page.get_by_role("link", name="Decision →").click()
    expect(page.locator("#recommended")).to_have_text(expected)
    expect(page.locator("tr.crit-not_met").first).to_be_visible()
    shot(page, "05-decision")
    page.locator(f"input[name=outcome][value={expected}]").check()
    page.get_by_role("textbox", name="Comment").fill("Criteria I.I not met as documented.")
    page.get_by_role("button", name="Record decision and draft the letter").click()
    letter = page.locator("#letter")
    expect(letter).to_contain_text("Prior authorization denied")
    expect(letter).to_contain_text("I.I.")
    shot(page, "06-letter")

    page.get_by_role("link", name="Queue").click()
    expect(page.locator("tbody tr").first).to_contain_text("decided")
    shot(page, "07-queue-decided")


def test_a_reviewer_cannot_record_a_decision(page: Page) -> None:
    log_in(page, "pharmacist-web")
    upload_sample(page)
    case_url = page.url
    page.get_by_role("button", name="Log out").click()
    log_in(page, "reviewer-web")
    page.goto(case_url + "/decision")
    expect(page.locator("#recommended")).to_be_visible()
    expect(page.locator("form#record")).to_have_count(0)
    expect(page.get_by_text("Only a pharmacist or an admin records the decision.")).to_be_visible()
