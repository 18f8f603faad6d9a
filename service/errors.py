"""The one error tree of Huddle, mapped to HTTP in ``service.api.problems``.

    HuddleError
    ├── Invalid          422  the request is malformed or breaks a validation rule
    ├── Unauthorized     401  no token, an unknown token or a revoked one
    ├── Forbidden        403  a known token asking for something outside its role
    ├── NotFound         404  the thing named does not exist
    ├── Conflict         409  duplicate, wrong state, or a rule such as an allowance
    │   └── LimitReached 409  a weekly allowance or budget would be exceeded
    ├── Gone             410  a one-time link that has expired
    ├── TooManyRequests  429  a client is over a rate limit (the public feedback pages)
    └── Unavailable      503  a feature that is switched off or a dependency that is down

Every ``detail`` is written for the person who sent the request: what was wrong and
how to put it right. The module is pure so the scoring core can raise these too.
"""

from __future__ import annotations

__all__ = [
    "Conflict",
    "Forbidden",
    "Gone",
    "HuddleError",
    "Invalid",
    "LimitReached",
    "NotFound",
    "TooManyRequests",
    "Unauthorized",
    "Unavailable",
    "UnsupportedMediaType",
    "wrong_role",
]


class HuddleError(Exception):
    """Base of every error a user can be told about."""

    status = 500
    title = "Internal error"

    def __init__(self, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class Invalid(HuddleError):
    status = 422
    title = "Invalid request"


class Unauthorized(HuddleError):
    status = 401
    title = "Not signed in"


class Forbidden(HuddleError):
    status = 403
    title = "Not allowed"


class NotFound(HuddleError):
    status = 404
    title = "Not found"


class Conflict(HuddleError):
    status = 409
    title = "Conflict"


class LimitReached(Conflict):
    title = "Limit reached"


class Gone(HuddleError):
    status = 410
    title = "Gone"


class UnsupportedMediaType(HuddleError):
    status = 415
    title = "Unsupported media type"


class TooManyRequests(HuddleError):
    status = 429
    title = "Too many requests"


class Unavailable(HuddleError):
    status = 503
    title = "Unavailable"


def wrong_role(role: str, allowed: tuple[str, ...]) -> Forbidden:
    """The refusal of a token whose role may not do something, naming the roles that may:
    "An admin token cannot do this; it needs a seller or manager token."."""
    names = list(allowed)
    needed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return Forbidden(
        f"{_article(role).capitalize()} {role} token cannot do this; "
        f"it needs {_article(names[0])} {needed} token."
    )


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
