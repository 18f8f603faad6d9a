"""Importing a CRM's history: deals and activities from CSV or NDJSON, streamed.

Each row is a deal (``type=deal``: the fields of ``POST /api/deals``, ``external_id``
required) or an activity (``type=activity``: the fields of ``POST /api/activities``,
``external_id`` required too), so importing the same file twice adds nothing. Rows go
through the one write path like any request, a thousand at a time, which the writer
decides in batches of up to sixteen thousand; a bad row is reported with its line number and
never stops the others. The file is read line by line and never held whole in memory;
only the first ``MAX_LISTED`` rejected rows are listed (all are counted, and each is
passed to ``on_reject``: the command line writes them all to its report).

CSV: a header row names the columns (``type, external_id, seller_id | seller_email,
outcome, amount, customer, assists, closed_at`` for deals; ``member_id | member_email,
metric, value, occurred_at`` for activities). ``assists`` holds member ids separated by
``;`` or spaces. A quoted field may span lines. NDJSON: one JSON object per line.
"""

from __future__ import annotations

import asyncio
import bisect
import csv
import io
import json
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from msgspec import Struct
from redis.exceptions import RedisError

from .core.commands import RecordActivity, RecordDeal
from .core.entries import Actor
from .engine.writer import Writer
from .errors import HuddleError, Invalid

__all__ = ["FORMATS", "ImportReport", "Rejected", "import_rows", "lines_of"]

log = logging.getLogger(__name__)

FORMATS = ("csv", "ndjson")
MAX_LISTED = 1_000  # rejected rows listed in a report (all are counted)
CHUNK = 1_000  # rows submitted to the writer together
IN_FLIGHT = 32  # chunks submitted, not yet answered: the next batch of 16,000 is always waiting
MAX_LINE = 64 * 1024  # a longer line is refused, not buffered
# rows beyond this many reach live boards as one refresh at the end, not one update each
LIVE_ROWS = 100


_JSON = msgspec.json.Decoder()  # a few times faster than json.loads for a row


class Rejected(Struct):
    line: int
    detail: str


@dataclass
class ImportReport:
    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    refused: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    # every refused row as it is refused (the command line writes them all to a file)
    on_reject: Callable[[Rejected], None] | None = None

    def reject(self, line: int, detail: str) -> None:
        """Count a refused row; the first ``MAX_LISTED`` by line are listed (rows are
        refused while read, or later by the writer: not in line order)."""
        self.refused += 1
        row = Rejected(line, detail)
        if len(self.rejected) < MAX_LISTED:
            bisect.insort(self.rejected, row, key=lambda r: r.line)
        elif line < self.rejected[-1].line:
            self.rejected.pop()
            bisect.insort(self.rejected, row, key=lambda r: r.line)
        if self.on_reject:
            self.on_reject(row)

    @property
    def per_second(self) -> float:
        return self.rows / max(time.monotonic() - self.started, 1e-6)


class _BadRow(Exception):
    pass


BOM = b"\xef\xbb\xbf"

# a line too long to read: reported as a rejected row, its text dropped
TOO_LONG = "\x00too long"


async def lines_of(chunks: AsyncIterable[bytes]) -> AsyncIterator[str]:
    """The text lines of a byte stream (UTF-8), without their line breaks; a line longer
    than 64 KiB comes as ``TOO_LONG`` (it is never buffered whole)."""
    rest, skipping, started = b"", False, False
    async for chunk in chunks:
        rest += chunk
        if not started:  # a byte-order mark (Excel's "CSV UTF-8") is no part of the text
            if len(rest) < len(BOM) and BOM.startswith(rest):
                continue
            started = True
            rest = rest.removeprefix(BOM)
        *whole, rest = rest.split(b"\n")
        for line in whole:
            yield TOO_LONG if skipping else _decode(line)
            skipping = False
        if len(rest) > MAX_LINE:
            rest, skipping = b"", True
    if rest or skipping:
        yield TOO_LONG if skipping else _decode(rest)


def _decode(raw: bytes) -> str:
    return raw.rstrip(b"\r").decode("utf-8", errors="replace")


async def _records(
    lines: AsyncIterable[str], fmt: str
) -> AsyncIterator[tuple[int, dict[str, Any] | str]]:
    """(line number, the row as a dict, or why it cannot be read) for each row."""
    number = 0
    if fmt == "ndjson":
        async for line in lines:
            number += 1
            if line == TOO_LONG:
                yield number, "the line is longer than 64 KiB"
                continue
            if not line.strip():
                continue
            try:
                row = _JSON.decode(line)
            except msgspec.DecodeError as exc:
                yield number, f"not a JSON object ({exc})"
                continue
            yield number, row if isinstance(row, dict) else "not a JSON object"
        return
    header: list[str] | None = None
    pending, first = "", 0
    async for line in lines:
        number += 1
        if line == TOO_LONG:
            yield number, "the line is longer than 64 KiB"
            pending = ""
            continue
        if not pending:
            first = number
        pending = f"{pending}\n{line}" if pending else line
        if pending.count('"') % 2:  # a quoted field goes on on the next line
            continue
        text, pending = pending, ""
        if not text.strip():
            continue
        try:
            # a stray quote may join lines that are rows of their own: each is read
            records = list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:  # a carriage return alone in a field, say
            if header is None:
                raise Invalid(f"The CSV's header row cannot be read ({exc}).") from None
            yield first, f"the row cannot be read as CSV ({exc})"
            continue
        if header is not None and len(records) > 1:
            # lines a stray quote (5" pipes) joined, each a row: read one by one
            for offset, cells in enumerate(records):
                yield _row(header, cells, first + offset)
            continue
        cells = records[0] if records else []
        if header is None:
            header = [c.strip().lower() for c in cells]
            if "type" not in header:  # not an import file: nothing is read, nothing changes
                raise Invalid(
                    "The first row of a CSV import must name the columns, 'type' among them "
                    "(type, external_id, seller_id or seller_email, amount, customer, ...)."
                )
            continue
        yield _row(header, cells, first)
    if pending:
        if header is None:
            raise Invalid("The CSV's header row has a quoted field that is never closed.")
        yield first, "a quoted field is not closed"


def _row(header: list[str], cells: list[str], line: int) -> tuple[int, dict[str, Any] | str]:
    if len(cells) > len(header):
        return line, f"{len(cells)} values for {len(header)} columns"
    return line, {k: v for k, v in zip(header, cells, strict=False) if v != ""}


def _command(
    row: dict[str, Any], emails: Callable[[str], int | None]
) -> RecordDeal | RecordActivity:
    kind = str(row.get("type", "")).strip().lower()
    if kind not in ("deal", "activity"):
        raise _BadRow("type must be 'deal' or 'activity'")
    external_id = _text(row, "external_id")
    if not external_id:
        raise _BadRow("external_id is required (it makes importing the same file again safe)")
    if kind == "deal":
        seller = _member(row, "seller_id", "seller_email", emails)
        customer = _text(row, "customer")
        if not customer:
            raise _BadRow("customer is required")
        return RecordDeal(
            seller,
            str(row.get("outcome") or "won").strip().lower(),
            _number(row, "amount", required=True),
            customer,
            _ids(row.get("assists")),
            external_id,
            _time(row, "closed_at"),
        )
    metric = _text(row, "metric")
    if not metric:
        raise _BadRow("metric is required")
    value = _number(row, "value") if row.get("value") not in (None, "") else 1
    return RecordActivity(
        metric,
        _member(row, "member_id", "member_email", emails),
        None,
        value,
        _time(row, "occurred_at"),
        external_id,
    )


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    return str(value).strip() if value is not None else ""


def _member(
    row: dict[str, Any], id_key: str, email_key: str, emails: Callable[[str], int | None]
) -> int:
    if row.get(id_key) not in (None, ""):
        member = _whole(row[id_key])
        if member is None:
            raise _BadRow(f"{id_key} must be a member id (a whole number)")
        return member
    email = _text(row, email_key)
    if not email:
        raise _BadRow(f"name the member: {id_key} or {email_key}")
    found = emails(email.lower())
    if found is None:
        raise _BadRow(f"no member has the email {email!r}")
    return found


def _number(row: dict[str, Any], key: str, required: bool = False) -> float:
    value = row.get(key)
    if value in (None, ""):
        if required:
            raise _BadRow(f"{key} is required")
        return 0
    try:
        number = float(str(value).strip().replace(" ", "")) if isinstance(value, str) else value
    except ValueError:
        raise _BadRow(f"{key} must be a number, not {value!r}") from None
    bad = isinstance(number, bool) or not isinstance(number, int | float)
    if bad or number != number or abs(number) > 1e12:
        raise _BadRow(f"{key} must be a number")
    return float(number)


def _ids(value: Any) -> tuple[int, ...]:
    if value in (None, ""):
        return ()
    items: Iterable[Any] = (
        value if isinstance(value, list) else str(value).replace(";", " ").split()
    )
    ids = tuple(_whole(i) for i in items)
    if any(i is None for i in ids):
        raise _BadRow("assists must be member ids (separated by ';' in CSV)")
    return ids  # type: ignore[return-value]


def _whole(value: Any) -> int | None:
    """An id as a JSON number or text of digits; None for anything else (1.5, true)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if text.isdigit() else None


def _time(row: dict[str, Any], key: str) -> datetime | None:
    value = _text(row, key)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _BadRow(f"{key} must be an ISO 8601 time, e.g. 2026-03-02T14:00:00+01:00") from None
    if moment.tzinfo is None:
        raise _BadRow(f"{key} needs a time zone offset, e.g. 2026-03-02T14:00:00+01:00")
    return moment


async def import_rows(
    lines: AsyncIterable[str],
    fmt: str,
    writer: Writer,
    actor: Actor,
    progress: Callable[[ImportReport], None] | None = None,
    on_reject: Callable[[Rejected], None] | None = None,
) -> ImportReport:
    """Import every row; the report counts what was accepted, what was there already and
    what was refused (with its line and why: the first ``MAX_LISTED`` listed, every one
    passed to ``on_reject``)."""
    report = ImportReport(on_reject=on_reject)
    in_flight: set[asyncio.Task[None]] = set()

    def emails(email: str) -> int | None:
        return writer.state.emails.get(email) if writer.state else None

    async def submit(rows: list[tuple[int, RecordDeal | RecordActivity]], quiet: bool) -> None:
        outcomes = await writer.submit_many([c for _, c in rows], actor, quiet=quiet)
        for (line, _), outcome in zip(rows, outcomes, strict=True):
            if isinstance(outcome, HuddleError):
                report.reject(line, outcome.detail)
            elif isinstance(outcome, BaseException):  # logged by the writer
                report.reject(line, "Huddle could not import this row (an internal error).")
            elif outcome.replay is not None:
                report.duplicates += 1
            else:
                report.accepted += 1

    async def send(rows: list[tuple[int, RecordDeal | RecordActivity]], quiet: bool) -> None:
        task = asyncio.create_task(submit(rows, quiet))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        while len(in_flight) >= IN_FLIGHT:
            await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            if progress:
                progress(report)

    chunk: list[tuple[int, RecordDeal | RecordActivity]] = []
    live = True  # the first LIVE_ROWS rows reach live boards one by one
    async for line, row in _records(lines, fmt):
        report.rows += 1
        if isinstance(row, str):
            report.reject(line, row)
        else:
            try:
                chunk.append((line, _command(row, emails)))
            except _BadRow as bad:
                report.reject(line, str(bad))
        if (live and report.rows >= LIVE_ROWS) or len(chunk) >= CHUNK:
            await send(chunk, quiet=not live)
            chunk, live = [], False
    if chunk:
        await send(chunk, quiet=not live)
    if in_flight:
        await asyncio.gather(*in_flight)
    if not live:  # every live board, on every instance: one fresh snapshot
        try:
            await writer.store.announce(json.dumps({"type": "boards_refresh"}))
        except (RedisError, OSError) as exc:  # the boards are right; live ones resync later
            log.warning("could not announce the import's refresh (%s)", exc)
    report.rejected.sort(key=lambda r: r.line)
    if progress:
        progress(report)
    return report
