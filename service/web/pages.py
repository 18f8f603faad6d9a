"""Page routes: the office TV, the seller's board and the coach's view.

Pages carry no data of their own: the browser keeps the token and talks to the REST API
and the live socket, so a page works the same for every role and a TV can follow the
board for weeks without reloading. The server only chooses the language and hands the
page its texts as a JSON blob.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from ..core.scoring import CATEGORIES
from .i18n import LOCALES, catalogue, pick_language

__all__ = ["STATIC_DIR", "routes", "template_config"]

STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "static"
template_config = TemplateConfig(
    directory=Path(__file__).parent / "templates", engine=JinjaTemplateEngine
)


def _asset_version() -> str:
    """A fingerprint of static/, appended to asset URLs so a deploy is never half-cached."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


ASSET_VERSION = _asset_version()


def _page(request: Request[Any, Any, Any], name: str) -> Template:
    lang = pick_language(request.query_params.get("lang"), request.headers.get("accept-language"))
    texts = catalogue(lang)
    settings = request.app.state.settings
    config = {
        "lang": lang,
        "locale": LOCALES[lang],
        "category_order": CATEGORIES,
        # the org's zone: "today", "this week" and "this month" are the org's days
        "timezone": settings.timezone,
        **texts,
    }
    return Template(
        template_name=f"{name}.html",
        context={
            "lang": lang,
            "t": texts["t"],
            "page": name,
            "v": ASSET_VERSION,
            # "</" cannot close the script element the JSON sits in
            "config": json.dumps(config, ensure_ascii=False).replace("</", "<\\/"),
        },
    )


@get("/tv", include_in_schema=False)
async def tv_page(request: Request[Any, Any, Any]) -> Template:
    """The office TV: full screen, rotating boards, celebrations; open with ?token=."""
    return _page(request, "tv")


@get("/board", include_in_schema=False)
async def board_page(request: Request[Any, Any, Any]) -> Template:
    """A seller's board: rank, breakdown, team, goals, and forms for deals and kudos."""
    return _page(request, "board")


@get("/manage", include_in_schema=False)
async def manage_page(request: Request[Any, Any, Any]) -> Template:
    """A manager's view: the team by category, mentoring, goals and loss insights."""
    return _page(request, "manage")


@get("/", include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Redirect:
    """The seller's board is home; a ``?token=`` or ``?lang=`` link keeps working."""
    query = request.url.query
    return Redirect(path=f"/board?{query}" if query else "/board")


routes = [
    tv_page,
    board_page,
    manage_page,
    home,
    create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False),
]
