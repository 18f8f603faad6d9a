"""Page routes. Pages carry no data of their own: the browser keeps the token and talks
to the REST API and the live socket, so a page works the same for every role."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from ..core.achievements import LOSS_QUESTIONS
from ..core.scoring import CATEGORIES
from .i18n import CATEGORY_NAMES, LOCALES, TEXTS, pick_language

__all__ = ["STATIC_DIR", "routes", "template_config"]

STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "static"
template_config = TemplateConfig(directory=Path(__file__).parent / "templates",
                                 engine=JinjaTemplateEngine)
STRENGTHS = ("communicator", "big-picture", "closer", "coach", "product-expert", "listener",
             "organizer")


def _page(request: Request[Any, Any, Any], name: str, title: str) -> Template:
    lang = pick_language(request.query_params.get("lang"),
                         request.headers.get("accept-language"))
    config = {"lang": lang, "locale": LOCALES[lang], "t": TEXTS[lang],
              "categories": CATEGORIES, "category_names": CATEGORY_NAMES[lang],
              "strengths": STRENGTHS,
              "questions": LOSS_QUESTIONS}
    return Template(template_name=f"{name}.html", context={
        "lang": lang, "t": TEXTS[lang], "title": title, "page": name,
        # "</" cannot close the script element the JSON sits in
        "config": json.dumps(config, ensure_ascii=False).replace("</", "<\\/")})


@get("/tv", include_in_schema=False)
async def tv_page(request: Request[Any, Any, Any]) -> Template:
    """The office TV: full screen, rotating boards, celebrations; open with ?token=."""
    return _page(request, "tv", "Huddle TV")


@get("/board", include_in_schema=False)
async def board_page(request: Request[Any, Any, Any]) -> Template:
    """A seller's board: rank, breakdown, team, goals, and forms for deals and kudos."""
    return _page(request, "board", "Huddle")


@get("/manage", include_in_schema=False)
async def manage_page(request: Request[Any, Any, Any]) -> Template:
    """A manager's view: the team by category, mentoring, goals and loss insights."""
    return _page(request, "manage", "Huddle — coach")


@get("/", include_in_schema=False)
async def home() -> Redirect:
    return Redirect(path="/board")


routes = [tv_page, board_page, manage_page, home,
          create_static_files_router(path="/static", directories=[STATIC_DIR],
                                     include_in_schema=False)]
