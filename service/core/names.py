"""People's and teams' names as a board shows them: one Unicode form, no invisible
characters, and no two that only differ in case.

Lookalikes were the trouble: "Anna" and "anna", or a name with a zero-width space or a
right-to-left override in it, looked like one person on a board and were two.
"""

from __future__ import annotations

import re
import unicodedata

from ..errors import Invalid

__all__ = ["clean_name", "same_name"]

# zero-width and joiner characters, direction marks and overrides, soft hyphen, BOM
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]"
)


def _invisible(name: str) -> str | None:
    """The first character that shows nothing: listed above, any format character (Cf:
    tags, joiners), a variation selector, the braille blank."""
    if found := _INVISIBLE.search(name):
        return found.group()
    for ch in name:
        if (
            unicodedata.category(ch) == "Cf"
            or "\ufe00" <= ch <= "\ufe0f"
            or "\U000e0100" <= ch <= "\U000e01ef"
            or ch == "\u2800"
        ):
            return ch
    return None


def clean_name(raw: str, what: str, field: str = "name") -> str:
    """The name in NFC with its spaces tidied; Invalid when it is empty or holds an
    invisible or direction-changing character. ``what`` says whose name ("team")."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if found := _invisible(name):
        raise Invalid(
            f"The {what}'s {field} contains an invisible character (U+{ord(found):04X}); "
            "type it plainly.",
            field=field,
        )
    if not name:
        raise Invalid(f"A {what} needs a {field}.", field=field)
    return name


def same_name(a: str, b: str) -> bool:
    """Names a reader would take for the same one: equal ignoring case (casefolding can
    leave a letter decomposed: compared in NFC)."""
    return unicodedata.normalize("NFC", a.casefold()) == unicodedata.normalize("NFC", b.casefold())
