"""Page routes, languages and static files, without a browser."""

import json
import re

import pytest

from service.auth import ROLES
from service.core.achievements import BADGES, LOSS_QUESTIONS
from service.core.peers import STRENGTHS
from service.core.scoring import CATEGORIES
from service.web import messages
from service.web.i18n import LANGUAGES, TEXTS, catalogue, pick_language
from service.web.pages import STATIC_DIR, template_config

SLOT = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        ("nb", "sv-SE", "nb"),
        ("xx", "sv-SE,sv;q=0.9,en;q=0.8", "sv"),
        (None, "en-US,en;q=0.9,nb;q=0.8", "en"),
        (None, "de-DE, sv;q=0.5, nb;q=0.7", "nb"),  # preference, not order
        (None, "no", "nb"),
        (None, "nn-NO,de;q=0.5", "nb"),
        (None, "sv;q=0", "en"),  # q=0 means "not this one"
        (None, "fr-FR,de", "en"),
        (None, None, "en"),
        (None, "sv;q=abc, nb", "nb"),
    ],
)
def test_pick_language(query, accept, expected):
    """?lang= first, then Accept-Language by preference (no/nn read bokmål), then en."""
    assert pick_language(query, accept) == expected


def test_catalogues_are_complete_and_consistent():
    """Every language has every text, with the same {slots}, and a name for every API code."""
    for key, texts in messages.MESSAGES.items():
        assert len(texts) == len(LANGUAGES) and all(t.strip() for t in texts), key
        slots = {frozenset(SLOT.findall(text)) for text in texts}
        assert len(slots) == 1, f"{key}: {texts}"
    for lang in LANGUAGES:
        assert TEXTS[lang].keys() == messages.MESSAGES.keys()
        page = catalogue(lang)
        assert set(page["categories"]) == set(CATEGORIES)
        assert set(page["strengths"]) == set(STRENGTHS)
        assert set(page["badges"]) == set(BADGES)
        assert set(page["roles"]) == set(ROLES)
        assert len(page["questions"]) == len(LOSS_QUESTIONS) == 12


# words bokmål or Swedish use as English does
SHARED_WORDS = {"Live", "Coach", "Mentor", "Playmaker", "integration", "Assist: {names}"}


def test_translations_are_not_left_in_english():
    """No bokmål or Swedish text is the English one, but for words the languages share."""
    tables = (
        messages.MESSAGES,
        messages.CATEGORIES,
        messages.STRENGTHS,
        messages.BADGES,
        messages.ROLES,
    )
    for table in tables:
        for key, (en, nb, sv) in table.items():
            assert nb != en or en in SHARED_WORDS, (key, nb)
            assert sv != en or en in SHARED_WORDS, (key, sv)


def test_pages_use_only_known_texts():
    """Every {{ t.key }} in a template and t.key in a script exists in the catalogue."""
    used: set[str] = set()
    for template in template_config.directory.glob("*.html"):  # type: ignore[union-attr]
        used |= set(re.findall(r"\bt\.(\w+)", template.read_text()))
    for script in (STATIC_DIR / "js").glob("*.js"):
        used |= set(re.findall(r"\bt\.(\w+)\b(?!\()", script.read_text()))
    assert used - TEXTS["en"].keys() == set()


def test_static_files_fetch_nothing_from_elsewhere():
    """No CDN, no web fonts, no external URLs: TVs may have no internet. (static/vendor
    holds the API documentation's bundles, whose texts name URLs; the browser test
    test_api_documentation_works_offline shows they fetch nothing from elsewhere.)"""
    vendor = STATIC_DIR / "vendor"
    for path in STATIC_DIR.rglob("*"):
        if path.suffix in (".js", ".css") and vendor not in path.parents:
            text = path.read_text()
            assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text), path
            assert "@import" not in text and "@font-face" not in text, path


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_pages_render_in_the_chosen_language(app_client):
    """Each page renders with its language, locale and texts handed to the browser."""
    for page, lang, locale in (
        ("tv", "nb", "nb-NO"),
        ("board", "sv", "sv-SE"),
        ("manage", "en", "en-GB"),
    ):
        r = await app_client.get(f"/{page}?lang={lang}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert f'<html lang="{lang}">' in r.text
        blob = re.search(
            r'<script id="config" type="application/json">(.*?)</script>', r.text, re.S
        )
        assert blob is not None
        config = json.loads(blob.group(1))
        assert config["locale"] == locale and config["t"] == TEXTS[lang]
    r = await app_client.get("/board", headers={"Accept-Language": "nb-NO,nb;q=0.9"})
    assert "Registrer en avtale" in r.text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_static_files_and_home(app_client):
    """/static serves the scripts and styles; / leads to the board, keeping ?token=."""
    css = await app_client.get("/static/css/tv.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    js = await app_client.get("/static/js/common.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    home = await app_client.get("/?token=abc&lang=nb", follow_redirects=False)
    assert home.status_code in (301, 302, 307, 308)
    assert home.headers["location"] == "/board?token=abc&lang=nb"
