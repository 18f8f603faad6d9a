"""The learning loop's pages in a real headless Chromium, in English, bokmål and Swedish,
each checked against the texts of its own catalogue: customer feedback from a phone to the
coach and the profiles; a CRM deal's story, the rising stars and the customers' praise on
the TV."""

from typing import Any
from urllib.parse import unquote

import pytest

from service.learning.public import TEXTS as CUSTOMER_TEXTS
from service.web.i18n import LANGUAGES, TEXTS, catalogue
from tests.conftest import org_today
from tests.test_pages import shot, site  # noqa: F401 - the fixture
from tests.test_pages_layout import LAYOUT_PROBLEMS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
    pytest.mark.parametrize("lang", LANGUAGES),
]

# the customer's language: another than the seller's page, so each is someone's once
CUSTOMER_LANG = {"en": "nb", "nb": "sv", "sv": "en"}
WEAK = ["yes"] * 12
WEAK[2], WEAK[8] = "no", "no"  # question 3 answered worst; "no" is the good answer to 9


def number(value: float, lang: str) -> str:
    """A number as the page's locale writes a small one: a decimal comma in nb and sv."""
    text = f"{value:g}"
    return text if lang == "en" else text.replace(".", ",")


def ratings(t: dict[str, str], average: float, n: int, lang: str) -> str:
    """What a page says of a seller's customer ratings: "★ 4.5 · 2 ratings"."""
    count = (t["ratings_n_one"] if n == 1 else t["ratings_n"]).format(n=n)
    return f"★ {number(average, lang)} · {count}"


async def answer(
    api: Any, seller: dict[str, Any], customer: str, rating: int, comment: str
) -> None:
    """A customer answers a feedback link the seller made, as the customer's page posts it."""
    body = {"seller_id": seller["id"], "customer": customer}
    link = (await api.post("/api/feedback-requests", body, api.tokens[seller["id"]], 201)).json()
    path = "/f/" + link["url"].rsplit("/f/", 1)[1]
    r = await api.client.post(path, json={"rating": rating, "comment": comment})
    assert r.status_code == 201, r.text


async def turn_to(page: Any, view: str) -> None:
    """Step the TV to a view with the arrow key, as a remote does."""
    for _ in range(12):
        if await page.locator(f"section[data-view={view}]").is_visible():
            return
        await page.keyboard.press("ArrowRight")
    raise AssertionError(f"the TV never showed {view}")


async def test_feedback_from_a_phone_reaches_the_coach_and_the_profiles(browser, site, lang):  # noqa: F811
    """A seller on a phone-sized /board makes a feedback link in the customer's language (a
    QR code, the link to copy, an email in that language) and sees their profile: the
    strength a teammate named, the customers' rating, the loss question answered worst and
    mentoring. The customer answers on /f/…; the coach's /manage, open meanwhile, shows the
    comment and the new average live, and any player's profile. The coach makes a link for
    a teammate too."""
    t, cat, theirs = TEXTS[lang], catalogue(lang), CUSTOMER_LANG[lang]
    api, url = site["api"], site["server"].url
    seller, mate, manager = site["seller"], site["mate"], site["manager"]
    token = api.tokens[seller["id"]]
    for n in range(2):  # Kari named Ola a closer in the site's kudos
        deal = (await api.deal(seller["id"], 1_000 + n, "lost")).json()["deal"]
        await api.post(f"/api/deals/{deal['id']}/loss-review", {"answers": WEAK}, token, 201)
    await answer(api, seller, "Equinor", 4, "Clear agenda")
    body = {"member_id": seller["id"], "points": 5, "note": "Ran the onboarding"}
    await api.post("/api/mentoring", body, api.tokens[manager["id"]], 201)

    coach = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await coach.goto(f"{url}/manage?lang={lang}&token={api.tokens[manager['id']]}")
    said = coach.locator(f"#said li[data-seller='{seller['id']}']")
    await said.wait_for()
    assert t["customers_said"] in await coach.locator("#said-card h2").inner_text()
    assert ratings(t, 4, 1, lang) in await said.inner_text()
    # the coach makes a link for a teammate, signed by the seller the meeting was with
    await coach.select_option("#ask-seller", str(mate["id"]))
    await coach.fill("#ask-form [name=customer]", "Telenor")
    await coach.select_option("#ask-lang", theirs)
    await coach.click("#ask-form button[type=submit]")
    await coach.locator("#ask-link").wait_for()
    assert (await coach.locator("#ask-url").input_value()).endswith(f"?lang={theirs}")
    assert "Kari Hansen" in unquote(await coach.locator("#ask-mail").get_attribute("href"))

    phone = await browser.new_context(viewport={"width": 390, "height": 844})
    await phone.grant_permissions(["clipboard-read", "clipboard-write"])
    page = await phone.new_page()
    await page.goto(f"{url}/board?lang={lang}&token={token}")
    await page.wait_for_selector("#team-board li")
    assert await page.locator("#ask-lang").input_value() == lang  # the page's language first
    await page.fill("#ask-form [name=customer]", "Volvo")
    await page.select_option("#ask-lang", theirs)
    await page.click("#ask-form button[type=submit]")
    await page.locator("#ask-link").wait_for()
    link = await page.locator("#ask-url").input_value()
    assert "/f/" in link and link.endswith(f"?lang={theirs}")
    assert await page.evaluate("document.querySelector('#ask-qr').naturalWidth") > 0
    mail = unquote(await page.locator("#ask-mail").get_attribute("href"))
    assert mail.startswith(f"mailto:?subject={CUSTOMER_TEXTS[theirs]['mail_subject']}&body=")
    assert link in mail
    await page.click("#ask-copy")
    await page.wait_for_function(
        f"document.querySelector('#ask-copy').textContent === {t['copied']!r}"
    )
    assert await page.evaluate("navigator.clipboard.readText()") == link
    no_scroll = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    assert await page.evaluate(no_scroll)  # nothing sticks out on a phone
    await shot(page, "board-ask-feedback" + ("" if lang == "en" else f"-{lang}"))
    # my profile, on the phone: what peers, customers and my loss reviews say
    profile = page.locator("#profile .profile")
    await profile.wait_for()
    text = await profile.inner_text()
    for label in ("named_by_peers", "customers_rating", "to_work_on"):
        assert t[label] in text, label
    assert f"{cat['strengths']['closer']} × 1" in text
    assert ratings(t, 4, 1, lang) in text
    assert f"3. {cat['questions'][2]}" in text
    assert t["mentoring_line"].format(received=5, given=0) in text
    if lang == "en":
        await profile.scroll_into_view_if_needed()
        await shot(page, "board-profile")

    customer = await phone.new_page()  # the customer, no token, on their phone
    await customer.goto(link)
    said_texts = CUSTOMER_TEXTS[theirs]
    assert await customer.locator("h1").inner_text() == said_texts["heading"]
    assert await customer.get_attribute("html", "lang") == theirs
    await customer.locator("input[name=rating][value='5']").check(force=True)
    await customer.fill("textarea[name=comment]", "Spot on, thank you")
    await customer.locator("button[type=submit]").click()
    await customer.wait_for_selector(f"text={said_texts['thanks']}")
    assert (await api.board(category="feedback"))[seller["id"]] == 3 + 5  # a 4, then a 5
    await phone.close()

    # the coach's page follows: the comment, and the average of both ratings
    await coach.wait_for_function(
        "document.querySelector('#said-comments').innerText.includes('Spot on, thank you')"
    )
    await coach.wait_for_function(
        "([sel, want]) => document.querySelector(sel).innerText.includes(want)",
        arg=[f"#said li[data-seller='{seller['id']}']", ratings(t, 4.5, 2, lang)],
    )
    comment = await coach.locator("#said-comments li").first.inner_text()
    assert "Ola Nordmann" in comment and "Volvo" in comment and "★★★★★" in comment
    # Profiles: any player's of the team
    await coach.locator("#profile .profile").wait_for()
    await coach.select_option("#profile-of", str(seller["id"]))
    mentoring = t["mentoring_line"].format(received=5, given=0)
    await coach.wait_for_function(
        f"document.querySelector('#profile').innerText.includes({mentoring!r})"
    )
    text = await coach.locator("#profile").inner_text()
    assert ratings(t, 4.5, 2, lang) in text and f"3. {cat['questions'][2]}" in text
    assert t["profiles"] in await coach.locator("#profiles-card h2").inner_text()
    await coach.select_option("#profile-of", str(mate["id"]))
    await coach.wait_for_function(
        f"document.querySelector('#profile').innerText.includes({t['nothing_yet']!r})"
    )


async def test_a_crm_deal_gets_its_story_and_the_tv_tells_it_with_rising_stars_and_praise(
    browser,
    site,  # noqa: F811
    lang,
):
    """A won deal from the CRM (an integration token, with its external id) waits live on
    the seller's /board under "Stories to tell" (a lost one never does); a story being
    written is kept while the board updates; the story, once told, reaches the TV's win
    stories on top, and a reversal takes one back. The TV shows the rising stars (the
    newcomers with points, following live) and, as customers answer, their praise: the
    comment, the seller and the team, never the customer (nor does its feed name them); a
    poor rating is no praise."""
    t = TEXTS[lang]
    api, url = site["api"], site["server"].url
    seller, mate, vikings = site["seller"], site["mate"], site["vikings"]
    crm = await api.role_token("integration")
    first = (await api.deal(seller["id"], 30_000, customer="Equinor")).json()["deal"]
    story = {"text": "We ran a pilot with their field team first."}
    await api.post(f"/api/deals/{first['id']}/story", story, api.tokens[seller["id"]], 201)
    today = str(org_today())
    nora = await api.member(vikings["id"], "Nora Ny", joined_on=today)
    sam = await api.member(site["rival"]["team_id"], "Sam Start", joined_on=today)
    await api.deal(nora["id"], 20_000, customer="Kiwi")

    tv = await browser.new_page(viewport={"width": 1920, "height": 1080})
    await tv.goto(f"{url}/tv?lang={lang}&token={site['display']}")
    await tv.wait_for_selector("#status.live")
    await tv.wait_for_selector("#tabs [data-for=rising]:not([hidden])")
    await tv.wait_for_selector("#tabs [data-for=stories]:not([hidden])")
    assert await tv.locator("#tabs [data-for=stories]").text_content() == t["stories_tab"]
    assert await tv.locator("#tabs [data-for=rising]").text_content() == t["rising_tab"]
    assert await tv.locator("#tabs [data-for=praise]").is_hidden()  # nothing praised yet
    rising = tv.locator("#rising li")
    assert [await li.inner_text() for li in await tv.locator("#rising li .name b").all()] == [
        "Nora Ny"
    ]  # newcomers with points only: not the veterans, not Sam yet
    await turn_to(tv, "stories")
    figures = tv.locator("#stories figure")
    assert t["story_won"].format(customer="Equinor") in await figures.first.inner_text()
    if lang == "en":
        await shot(tv, "tv-stories")  # before the deals below set the TV cheering
    await api.deal(sam["id"], 90_000, customer="Volvo")  # the rising stars move (within 5 s)

    board = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await board.goto(f"{url}/board?lang={lang}&token={api.tokens[seller['id']]}")
    await board.wait_for_selector("#team-board li")
    assert await board.locator("#stories-card").is_hidden()  # Equinor's story is told
    body = {"customer": "Telenor", "external_id": "hs-1"}
    won = (await api.deal(seller["id"], 25_000, token=crm, **body)).json()["deal"]
    await api.deal(seller["id"], 5_000, "lost", token=crm, customer="Kiwi", external_id="hs-2")
    item = board.locator(f"#stories li[data-deal='{won['id']}']")
    await item.wait_for()
    assert t["stories_to_tell"] in await board.locator("#stories-card h2").inner_text()
    summary = await item.locator("summary").inner_text()
    assert "Telenor" in summary and t["tell_story"] in summary
    assert await board.locator("#stories li").count() == 1
    await item.locator("summary").click()
    await item.locator("textarea").fill("Half written")
    await api.post(  # the board updates live meanwhile: the text stays
        "/api/kudos",
        {"to_member_id": mate["id"], "points": 1, "message": "Thanks"},
        api.tokens[seller["id"]],
        201,
    )
    await board.wait_for_function("document.querySelector('#allowance').textContent === '9 / 10'")
    assert await item.locator("textarea").input_value() == "Half written"
    await item.locator("textarea").fill("They trusted the pilot.")
    await item.locator("button[type=submit]").click()
    await board.locator("#stories-card").wait_for(state="hidden")

    # the TV tells it on top, live; a reversal takes Equinor's back
    await tv.wait_for_function("document.querySelectorAll('#stories figure').length === 2")
    text = await figures.first.inner_text()
    assert "They trusted the pilot." in text and "Ola Nordmann" in text
    assert t["story_won"].format(customer="Telenor") in text
    await api.post(f"/api/deals/{first['id']}/reverse", {"reason": "booked twice"}, expect=201)
    await tv.wait_for_function("document.querySelectorAll('#stories figure').length === 1")
    assert "Telenor" in await figures.first.inner_text()

    # praise: a customer's kind words reach the TV live, without the customer
    await answer(api, seller, "Hydro ASA", 2, "Too long")
    await answer(api, seller, "Hydro ASA", 5, "Clear answers, Hydro will be back")
    await tv.wait_for_selector("#tabs [data-for=praise]:not([hidden])")
    assert await tv.locator("#tabs [data-for=praise]").text_content() == t["praise_tab"]
    await turn_to(tv, "praise")
    quotes = tv.locator("#praise figure")
    assert await quotes.count() == 1  # the poor rating is no praise
    text = await quotes.first.inner_text()
    assert "Clear answers, … will be back" in text
    assert "Ola Nordmann" in text and t["praise_from"] in text and "The Vikings" in text
    # nor does the TV's feed say who answered: the customer is nowhere on the TV
    feedback_line = t["feed_feedback_anonymous"].split("{who}")[0].strip()
    await tv.wait_for_function(
        f"document.querySelector('#feed').textContent.includes({feedback_line!r})"
    )
    assert "Hydro" not in await tv.evaluate("document.body.textContent")
    assert await tv.evaluate(LAYOUT_PROBLEMS, True) == []  # nothing cut off, in any language

    # the rising stars followed: Sam's deal puts him on top
    await turn_to(tv, "rising")
    await tv.wait_for_function(
        "document.querySelector('#rising li').innerText.includes('Sam Start')", timeout=30_000
    )
    assert await rising.count() == 2
    # Nora's /board: the rising stars with her own row marked
    mine = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await mine.goto(f"{url}/board?lang={lang}&token={api.tokens[nora['id']]}")
    await mine.locator("#rising li.me").wait_for()
    assert [await li.inner_text() for li in await mine.locator("#rising li .name").all()] == [
        "Sam Start",
        "Nora Ny",
    ]

    # a reversed deal never waits for its story
    other = (await api.deal(seller["id"], 9_000, customer="DNB")).json()["deal"]
    await api.post(f"/api/deals/{other['id']}/reverse", {"reason": "a test deal"}, expect=201)
    assert await api.get(f"/api/members/{seller['id']}/untold-stories") == []
    await api.get("/api/members/999/untold-stories", expect=404)
