"""The admin's seasons on /manage, in a real headless Chromium: rename one, add one,
remove one that holds nothing, end the running one today; a refusal shows the API's
reason in the season's own row and changes nothing."""

from datetime import timedelta

import pytest

from tests.conftest import org_today
from tests.test_pages import shot, site  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


async def test_an_admin_renames_adds_removes_and_closes_seasons(browser, site):  # noqa: F811
    api, url = site["api"], site["server"].url
    current = site["season"]  # "Q4", from 2000 to 2099, the deals of the site in it
    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await page.goto(f"{url}/manage?token={api.token}")  # an admin, every team
    rows = page.locator("#seasons li")
    await rows.first.wait_for()
    assert await rows.count() == 2  # Q4, and the empty row to add one
    row = page.locator(f"#seasons li[data-season='{current['id']}']")

    # moving the start after the day its deals were recorded is refused, in its row
    await row.locator("[name=starts_on]").fill(str(org_today() + timedelta(days=1)))
    await row.locator("button[type=submit]").click()
    await row.locator(".result.error").wait_for()
    assert "already count" in await row.locator(".result").inner_text()
    assert (await api.get("/api/seasons"))[0]["starts_on"] == current["starts_on"]

    await row.locator("[name=starts_on]").fill(current["starts_on"])
    await row.locator("[name=name]").fill("Autumn push")
    await row.locator("button[type=submit]").click()
    await page.locator("#seasons-result.ok").wait_for()
    assert "Autumn push is saved." in await page.locator("#seasons-result").inner_text()
    assert (await api.get("/api/seasons"))[0]["name"] == "Autumn push"

    new = page.locator("#seasons li[data-season=new]")
    await new.locator("[name=name]").fill("Next century")
    await new.locator("[name=starts_on]").fill("2100-01-01")
    await new.locator("[name=ends_on]").fill("2100-03-31")
    await new.locator("button[type=submit]").click()
    await page.wait_for_function("document.querySelectorAll('#seasons li').length === 3")
    (added,) = [s for s in await api.get("/api/seasons") if s["name"] == "Next century"]
    await shot(page, "manage-seasons", full_page=True)

    added_row = page.locator(f"#seasons li[data-season='{added['id']}']")
    assert await added_row.locator("[data-act=close]").count() == 0  # not running
    await added_row.locator("[data-act=remove]").click()
    await page.wait_for_function("document.querySelectorAll('#seasons li').length === 2")
    assert [s["name"] for s in await api.get("/api/seasons")] == ["Autumn push"]

    row = page.locator(f"#seasons li[data-season='{current['id']}']")
    await row.locator("[data-act=remove]").click()  # it holds deals: refused
    await row.locator(".result.error").wait_for()
    assert "close it" in await row.locator(".result").inner_text()
    # the result line still says the removal went well: wait for the close's own answer
    async with page.expect_response(
        lambda r: r.url.endswith("/close") and r.request.method == "POST"
    ) as answer:
        await row.locator("[data-act=close]").click()
    assert (await answer.value).ok
    (season,) = await api.get("/api/seasons")
    assert season["ends_on"] == str(org_today())
