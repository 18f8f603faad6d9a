"""Importing a CRM's history: ``POST /api/import`` (CSV or NDJSON, streamed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, post
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, RequestBody, Schema
from litestar.status_codes import HTTP_200_OK

from ..auth import Caller
from ..engine.writer import Writer
from ..errors import UnsupportedMediaType
from ..imports import Rejected, import_rows, lines_of
from .problems import DocumentedOperation, refusals

__all__ = ["routes"]

_FORMATS = {
    "text/csv": "csv",
    "application/x-ndjson": "ndjson",
    "application/ndjson": "ndjson",
    "application/jsonl": "ndjson",
}


@dataclass
class _ImportOperation(DocumentedOperation):
    """The body is a file (CSV or NDJSON), which Litestar cannot describe from a type."""

    def __post_init__(self) -> None:
        super().__post_init__()
        text = Schema(type=OpenAPIType.STRING)
        self.request_body = RequestBody(
            content={
                "text/csv": OpenAPIMediaType(schema=text),
                "application/x-ndjson": OpenAPIMediaType(schema=text),
            },
            description="CSV with a header row, or one JSON object per line; each row a deal "
            "(type=deal) or an activity (type=activity), with its external_id",
            required=True,
        )


@dataclass
class ImportResult:
    """What an import did: rows read, accepted, already there (the same external_id),
    and the rows refused (line number and why; the first 1,000 listed, ``refused`` counts
    them all)."""

    rows: int
    accepted: int
    duplicates: int
    refused: int
    rejected: list[Rejected]


@post(
    "/api/import",
    tags=["activities"],
    status_code=HTTP_200_OK,
    request_max_body_size=None,  # streamed, never held whole
    **refusals(403, 415, body=True, operation=_ImportOperation),
)
async def import_file(
    request: Request[Any, Any, Any], caller: Caller, writer: Writer
) -> ImportResult:
    """Import deals and activities (admin, integration): ``text/csv`` or
    ``application/x-ndjson``, streamed. A bad row never stops the others; importing the
    same file twice adds nothing."""
    caller.require("admin", "integration")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = _FORMATS.get(media)
    if fmt is None:
        raise UnsupportedMediaType(
            "Send the file as text/csv or application/x-ndjson (one JSON object per line)."
        )
    coding = request.headers.get("content-encoding", "identity").strip().lower()
    if coding not in ("", "identity"):
        raise UnsupportedMediaType(
            f"Send the file uncompressed (Content-Encoding {coding!r} is not read here)."
        )
    report = await import_rows(lines_of(request.stream()), fmt, writer, caller.actor)
    return ImportResult(
        report.rows, report.accepted, report.duplicates, report.refused, report.rejected
    )


routes = [import_file]
