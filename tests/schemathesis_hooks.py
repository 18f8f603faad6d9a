"""Schemathesis hooks for ``tests/test_openapi.py`` (loaded by ``st run`` through
``SCHEMATHESIS_HOOKS``): sign CRM webhook deliveries as a CRM would, so the run reaches
the webhook's handler rather than only its 401."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from typing import Any

import schemathesis

SECRET = os.environ.get("HUDDLE_TEST_WEBHOOK_SECRET", "")


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: Any, kwargs: dict[str, Any]) -> None:
    """A webhook case with a signature header gets the right signature of the body it
    sends (and a fresh timestamp when it sends a well-formed one); a case without the
    header, or with a malformed timestamp, is left to be refused."""
    headers = case.headers
    if case.path != "/api/webhooks/crm" or not SECRET or not headers:
        return
    if "X-Huddle-Signature" not in headers or not isinstance(case.body, dict):
        return
    # what requests sends for a JSON body (json.dumps, then UTF-8)
    signed = json.dumps(case.body, allow_nan=False).encode()
    stamp = headers.get("X-Huddle-Timestamp")
    if isinstance(stamp, str) and stamp.isascii() and stamp.isdigit():
        stamp = str(int(time.time()))
        headers["X-Huddle-Timestamp"] = stamp
        signed = stamp.encode() + b"." + signed
    digest = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    headers["X-Huddle-Signature"] = f"sha256={digest}"
