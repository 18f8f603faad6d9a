"""The customer's public feedback page ``/f/{key}``: no token, nb / sv / en, mobile-first,
rate-limited per client address."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import MediaType, Request, Response, get, post
from litestar.exceptions import SerializationException
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    RequestBody,
    Schema,
)

from ..api.problems import DocumentedOperation, refusals
from ..db.models import Member
from ..engine.writer import Writer
from ..errors import HuddleError, Invalid, TooManyRequests
from ..web.i18n import pick_language
from .feedback import find_link, submit_feedback
from .ratelimit import count_attempt, window_left

__all__ = ["TEXTS", "routes"]

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)

TEXTS: dict[str, dict[str, Any]] = {
    "en": {
        "title": "How did the meeting go?",
        "heading": "How did our meeting go?",
        "intro": "{seller} would value your honest view of the meeting with {customer}.",
        "rating": "Your rating",
        "scale": ["Poor", "Fair", "Good", "Very good", "Excellent"],
        "comment": "Anything we should keep doing, or do better? (optional)",
        "placeholder": "Your comment",
        "send": "Send feedback",
        "once": "This link can be used once. Your answer goes to the team as written; a kind "
        "comment may be shown on the team's screen, without your name or company.",
        "thanks": "Thank you!",
        "thanks_more": "Your feedback has reached {seller}'s team.",
        "sorry": "Sorry",
        "unknown": "This feedback link does not exist. Check that the whole address was copied.",
        "used": "This feedback has already been given. Thank you!",
        "expired": "This feedback link has expired. Ask your contact for a new one.",
        "too_many": "Too many attempts from your address. Please wait a few minutes and try again.",
        "pick": "Please choose a rating from 1 to 5.",
        "mail_subject": "How did our meeting go?",
        "mail_body": "Hello,\n\nthank you for meeting with us. Would you tell us in a minute "
        "how it went? Your honest view helps us do better:\n\n{url}\n\nBest regards,\n{seller}",
    },
    "nb": {
        "title": "Hvordan gikk møtet?",
        "heading": "Hvordan gikk møtet vårt?",
        "intro": "{seller} setter pris på din ærlige vurdering av møtet med {customer}.",
        "rating": "Din vurdering",
        "scale": ["Dårlig", "Middels", "Bra", "Veldig bra", "Utmerket"],
        "comment": "Noe vi bør fortsette med, eller gjøre bedre? (valgfritt)",
        "placeholder": "Din kommentar",
        "send": "Send tilbakemelding",
        "once": "Lenken kan brukes én gang. Svaret ditt deles med teamet slik du skrev det; en "
        "god kommentar kan vises på teamets skjerm, uten ditt navn eller firma.",
        "thanks": "Tusen takk!",
        "thanks_more": "Tilbakemeldingen din er sendt til teamet til {seller}.",
        "sorry": "Beklager",
        "unknown": "Denne lenken finnes ikke. Sjekk at hele adressen ble kopiert.",
        "used": "Denne tilbakemeldingen er allerede gitt. Takk!",
        "expired": "Lenken har utløpt. Be kontaktpersonen din om en ny.",
        "too_many": "For mange forsøk fra din adresse. Vent noen minutter og prøv igjen.",
        "pick": "Velg en vurdering fra 1 til 5.",
        "mail_subject": "Hvordan gikk møtet vårt?",
        "mail_body": "Hei,\n\ntakk for møtet. Vil du bruke ett minutt på å fortelle oss hvordan "
        "det gikk? Din ærlige vurdering hjelper oss å bli bedre:\n\n{url}\n\n"
        "Vennlig hilsen\n{seller}",
    },
    "sv": {
        "title": "Hur gick mötet?",
        "heading": "Hur gick vårt möte?",
        "intro": "{seller} uppskattar din ärliga bedömning av mötet med {customer}.",
        "rating": "Ditt betyg",
        "scale": ["Dåligt", "Okej", "Bra", "Mycket bra", "Utmärkt"],
        "comment": "Något vi ska fortsätta med, eller göra bättre? (valfritt)",
        "placeholder": "Din kommentar",
        "send": "Skicka omdöme",
        "once": "Länken kan användas en gång. Ditt svar delas med teamet som du skrev det; en "
        "vänlig kommentar kan visas på teamets skärm, utan ditt namn eller företag.",
        "thanks": "Tack så mycket!",
        "thanks_more": "Ditt omdöme har nått {seller}s team.",
        "sorry": "Tyvärr",
        "unknown": "Den här länken finns inte. Kontrollera att hela adressen kopierades.",
        "used": "Det här omdömet har redan lämnats. Tack!",
        "expired": "Länken har gått ut. Be din kontaktperson om en ny.",
        "too_many": "För många försök från din adress. Vänta några minuter och försök igen.",
        "pick": "Välj ett betyg från 1 till 5.",
        "mail_subject": "Hur gick vårt möte?",
        "mail_body": "Hej,\n\ntack för mötet. Vill du ta en minut och berätta hur det gick? Din "
        "ärliga bedömning hjälper oss att bli bättre:\n\n{url}\n\nVänliga hälsningar\n{seller}",
    },
}


# the address holds the one-time key: keep it out of caches, referrers and search engines
_PRIVATE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


def _page(
    lang: str, status: int, headers: dict[str, str] | None = None, **context: Any
) -> Response[str]:
    html = _env.get_template("feedback.html").render(lang=lang, t=TEXTS[lang], **context)
    return Response(
        html, status_code=status, media_type="text/html", headers={**_PRIVATE, **(headers or {})}
    )


async def _rate_limited(request: Request[Any, Any, Any]) -> TooManyRequests | None:
    """Count requests per client address (behind a proxy: the forwarded address, see
    FORWARDED_ALLOW_IPS) in a shared Redis window; the refusal, with the seconds until the
    window closes, when over the limit."""
    settings = request.app.state.settings
    client = request.client.host if request.client else "unknown"
    key = f"{settings.redis_prefix}:ratelimit:f:{client}"
    redis = request.app.state.redis
    if await count_attempt(redis, key) <= settings.feedback_rate_limit:
        return None
    return TooManyRequests(_TOO_MANY, reason="too_many", retry_after=await window_left(redis, key))


def _lang(request: Request[Any, Any, Any]) -> str:
    return pick_language(request.query_params.get("lang"), request.headers.get("accept-language"))


def _error_page(lang: str, exc: HuddleError) -> Response[str]:
    """The refusal in the customer's language (the English detail when we have no text)."""
    reason = str(exc.extra.get("reason", ""))
    wait = exc.extra.get("retry_after")
    headers = {"Retry-After": str(wait)} if wait else None
    message = TEXTS[lang].get(reason, exc.detail)
    return _page(lang, exc.status, headers, state="error", message=message)


_TOO_MANY = "Too many attempts from your address; please wait a few minutes and try again."


_ANSWER = Schema(
    type=OpenAPIType.OBJECT,
    required=["rating"],
    properties={
        "rating": Schema(type=OpenAPIType.INTEGER, minimum=1, maximum=5),
        "comment": Schema(type=OpenAPIType.STRING, max_length=2000),
    },
)
_PAGE = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))


@dataclass
class _PageOperation(DocumentedOperation):
    """The customer's page: every answer may be the page (in the customer's language)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        for response in (self.responses or {}).values():
            if isinstance(response, OpenAPIResponse):
                response.content = {**(response.content or {}), "text/html": _PAGE}


@dataclass
class _AnswerOperation(_PageOperation):
    """The customer's answer, as JSON (JSON answers) or a browser's form (the page
    answers, with the same statuses): the body is read by hand, so it is described here."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.request_body = RequestBody(
            required=True,
            content={
                "application/json": OpenAPIMediaType(schema=_ANSWER),
                "application/x-www-form-urlencoded": OpenAPIMediaType(schema=_ANSWER),
            },
        )


@get(
    "/f/{key:str}",
    tags=["feedback"],
    media_type=MediaType.HTML,
    security=[{}],  # the customer has no token: the key is the permission
    **refusals(404, 409, 410, 429, token=False, operation=_PageOperation),
)
async def feedback_form(key: str, request: Request[Any, Any, Any]) -> Response[str]:
    """The form the customer opens from the link."""
    lang = _lang(request)
    if too_many := await _rate_limited(request):
        return _error_page(lang, too_many)
    try:
        link = await find_link(key)
    except HuddleError as exc:
        return _error_page(lang, exc)
    return _page(
        lang, 200, state="form", seller=link.seller.name.split()[0], customer=link.request.customer
    )


@post(
    "/f/{key:str}",
    tags=["feedback"],
    status_code=201,
    security=[{}],  # the customer has no token: the key is the permission
    **refusals(404, 409, 410, 429, token=False, body=True, operation=_AnswerOperation),
)
async def feedback_submit(
    key: str, request: Request[Any, Any, Any], writer: Writer
) -> Response[Any]:
    """The customer's answer, as a form post (an HTML page answers) or JSON
    ``{rating: 1-5, comment?}`` (JSON answers); accepted once, again → 409."""
    lang = _lang(request)
    as_json = (request.content_type[0] or "").endswith("json")
    if too_many := await _rate_limited(request):
        if as_json:
            raise too_many
        return _error_page(lang, too_many)
    if as_json:
        try:
            body = await request.json()
        except SerializationException:
            body = None
        if not isinstance(body, dict):
            raise Invalid('Send a JSON object like {"rating": 5, "comment": "..."}.')
        result = await submit_feedback(
            writer, key, _rating(body.get("rating")), _comment(body.get("comment"))
        )
        return Response(result, status_code=201)
    form = await request.form()
    try:
        rating = _rating(form.get("rating"))
    except Invalid:  # show the form again rather than a dead end
        try:
            link = await find_link(key)
        except HuddleError as exc:
            return _error_page(lang, exc)
        return _page(
            lang,
            422,
            state="form",
            seller=link.seller.name.split()[0],
            customer=link.request.customer,
            message=TEXTS[lang]["pick"],
        )
    try:
        result = await submit_feedback(
            writer, key, rating, _comment(form.get("comment"), truncate=True)
        )
    except HuddleError as exc:
        return _error_page(lang, exc)
    seller = (await Member.get(id=result["seller_id"])).name.split()[0]
    return _page(lang, 201, state="thanks", seller=seller)


def _rating(value: Any) -> int:
    """A whole number from the form ("4") or JSON (4); anything else is refused."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    # isdecimal, not isdigit: "²" is a digit that int() cannot read
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    raise Invalid("Choose a rating from 1 to 5.")


def _comment(value: Any, truncate: bool = False) -> str | None:
    """An optional text of at most 2000 characters; a form's is cut to fit, since browsers
    count a textarea's line breaks differently from us."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid("comment must be text.")
    if len(value) > 2000 and not truncate:
        raise Invalid("comment may be at most 2000 characters.")
    return value[:2000]


routes = [feedback_form, feedback_submit]
