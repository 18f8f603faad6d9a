"""The admin's CRM connections on /manage, in a real headless Chromium: a Pipedrive deal
for an owner no member has shows rejected with its reason and the CRM's text; the admin
enters the owner id on the seller, replays the delivery and the deal scores. Managers
see no CRM card."""

import pytest

from service.web.i18n import LANGUAGES
from tests.test_connectors import fixture, pipedrive
from tests.test_pages import shot, site  # noqa: F401 - the fixture
from tests.test_pages_layout import layout_problems

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


async def test_an_admin_maps_an_owner_id_and_replays_a_rejected_delivery(browser, site):  # noqa: F811
    api, url, seller, mate = site["api"], site["server"].url, site["seller"], site["mate"]
    answer = await pipedrive(api, fixture("pipedrive/deal_won.json"))  # owner 1234567: nobody
    assert answer.status_code == 200 and answer.json()["rejected"] == 1
    (kept,) = await api.get("/api/connectors/deliveries", state="rejected")

    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await page.goto(f"{url}/manage?token={api.token}")  # an admin, every team
    row = page.locator(f"#crm-rejected li[data-delivery='{kept['id']}']")
    await row.wait_for()
    assert await page.locator("#crm-card").is_visible()

    # the health lines: each CRM on, its URL to paste, Pipedrive's rejection counted
    line = page.locator("#crm-health li[data-connector=pipedrive]")
    assert await page.locator("#crm-health li").count() == 3
    assert f"{url}/api/connectors/pipedrive" in await line.locator("code").inner_text()
    assert "On" in await line.locator(".mark").inner_text()
    assert await line.locator(".crm-rejected-n.bad").inner_text() == "1 rejected"
    assert "1 received in 24 h" in await line.inner_text()
    assert "last delivery just now" in await line.inner_text()
    hubspot = page.locator("#crm-health li[data-connector=hubspot]")
    assert "nothing received yet" in await hubspot.inner_text()
    assert await hubspot.locator(".crm-rejected-n.bad").count() == 0

    # the rejected delivery: its CRM, its reason naming the owner, the CRM's text on demand
    assert "Pipedrive" in await row.inner_text()
    assert "1234567" in await row.locator(".reason").inner_text()
    text = row.locator("pre.crm-text")
    assert await text.is_hidden()
    await row.locator("[data-act=show]").click()
    assert await text.is_visible()
    assert "Hurtigruten - fleet wifi" in await text.inner_text()
    assert await row.locator("[data-act=show]").inner_text() == "Hide"

    # replayed before the owner is known: refused in its row, the row stays
    await row.locator("[data-act=replay]").click()
    await row.locator(".result.error").wait_for()
    assert "1234567" in await row.locator(".result").inner_text()
    assert await page.locator("#crm-rejected li[data-delivery]").count() == 1

    # the owner id, entered on the seller; the same id on another member is refused there
    owner = page.locator(f"#crm-owners li[data-member='{seller['id']}']")
    await owner.locator("[name=pipedrive]").fill("1234567")
    await owner.locator("button[type=submit]").click()
    await owner.locator(".result.ok").wait_for()
    assert await owner.locator(".result").inner_text() == "Saved"
    (member,) = [m for m in await api.get("/api/members") if m["id"] == seller["id"]]
    assert member["external_ids"] == {"pipedrive": "1234567"}
    other = page.locator(f"#crm-owners li[data-member='{mate['id']}']")
    await other.locator("[name=pipedrive]").fill("1234567")
    await other.locator("button[type=submit]").click()
    await other.locator(".result.error").wait_for()
    assert "Ola Nordmann" in await other.locator(".result").inner_text()
    (member,) = [m for m in await api.get("/api/members") if m["id"] == mate["id"]]
    assert member["external_ids"] == {}
    await shot(page, "manage-crm", full_page=True)

    # replayed now: the row goes, the health line shows no rejection, the seller scores
    before = (await api.board())[seller["id"]]  # the kudos the site gave them
    await row.locator("[data-act=replay]").click()
    await row.wait_for(state="detached")
    await page.locator("#crm-result.ok").wait_for()
    assert "counts now" in await page.locator("#crm-result").inner_text()
    assert "No rejected deliveries" in await page.locator("#crm-rejected").inner_text()
    await page.wait_for_function(
        "document.querySelector('#crm-health li[data-connector=pipedrive] .crm-rejected-n')"
        ".textContent === '0 rejected'"
    )
    assert await line.locator(".crm-rejected-n.bad").count() == 0
    assert (await api.board())[seller["id"]] > before
    (done,) = await api.get("/api/connectors/deliveries", connector="pipedrive")
    assert done["state"] == "replayed"


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_crm_card_fits_a_phone(browser, site, lang):  # noqa: F811
    """On a phone, in every language, the card's lines, a rejected delivery with its text
    shown and the owner-id rows fit the screen: nothing cut off, no sideways scroll."""
    api, url = site["api"], site["server"].url
    await pipedrive(api, fixture("pipedrive/deal_won.json"))
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = await context.new_page()
    await page.goto(f"{url}/manage?token={api.token}&lang={lang}")
    await page.locator("#crm-rejected li[data-delivery]").wait_for()
    await page.locator("#crm-rejected [data-act=show]").click()
    await page.locator("#crm-card").scroll_into_view_if_needed()
    assert await layout_problems(page, f"manage-crm-phone-{lang}") == []
    await context.close()


async def test_a_manager_sees_no_crm_card(browser, site):  # noqa: F811
    api, url = site["api"], site["server"].url
    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    await page.goto(f"{url}/manage?token={api.tokens[site['manager']['id']]}")
    await page.locator("#team-table tbody tr").first.wait_for()
    assert await page.locator("#crm-card").is_hidden()
    assert await page.locator("#seasons-card").is_hidden()
    assert not any("/api/connectors" in asked_url for asked_url in asked)
