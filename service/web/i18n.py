"""The pages' languages: choosing one for a request, and its catalogue for the browser."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.achievements import LOSS_QUESTIONS as ENGLISH_QUESTIONS
from . import messages

__all__ = ["LANGUAGES", "LOCALES", "TEXTS", "catalogue", "pick_language"]

LANGUAGES = ("en", "nb", "sv")
# the Intl locale the browser formats numbers and dates with, per language
LOCALES = {"en": "en-GB", "nb": "nb-NO", "sv": "sv-SE"}
# Norwegian without a written standard ("no") and nynorsk readers get bokmål
_ALIASES = {"no": "nb", "nn": "nb"}


def _column(table: Mapping[str, tuple[str, ...]], index: int) -> dict[str, str]:
    return {key: texts[index] for key, texts in table.items()}


TEXTS: dict[str, dict[str, str]] = {
    lang: _column(messages.MESSAGES, i) for i, lang in enumerate(LANGUAGES)
}


def catalogue(lang: str) -> dict[str, Any]:
    """Everything a page needs to speak ``lang``: texts, and names for API codes."""
    i = LANGUAGES.index(lang)
    questions = (
        list(ENGLISH_QUESTIONS)
        if lang == "en"
        else [pair[i - 1] for pair in messages.LOSS_QUESTIONS]
    )
    return {
        "t": TEXTS[lang],
        "categories": _column(messages.CATEGORIES, i),
        "strengths": _column(messages.STRENGTHS, i),
        "badges": _column(messages.BADGES, i),
        "roles": _column(messages.ROLES, i),
        "questions": questions,
    }


def _weighted(accept: str) -> list[tuple[float, int, str]]:
    ranked = []
    for order, part in enumerate(accept.split(",")):
        code, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, order, code.strip().lower()))
    return sorted(ranked)


def pick_language(query: str | None, accept: str | None) -> str:
    """``?lang=`` first, else the most preferred Accept-Language we speak, else English."""
    if query in LANGUAGES:
        return query
    for negative_quality, _, code in _weighted(accept or ""):
        primary = code.split("-")[0]
        lang = _ALIASES.get(primary, primary)
        if lang in LANGUAGES and negative_quality < 0:
            return lang
    return "en"
