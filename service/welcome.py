"""What ``huddle serve`` prints as it starts: the address, and the demo's tokens and board
URLs when a demo was seeded. Kept apart from the demo's seeding so that the process that
supervises the workers loads nothing of the app."""

from __future__ import annotations

import json
from pathlib import Path

from .settings import Settings

__all__ = ["print_welcome", "tokens_file"]


def tokens_file(settings: Settings) -> Path:
    """Where the demo keeps the tokens it made (``make run`` prints them)."""
    return settings.data_dir / "demo-tokens.json"


def print_welcome(settings: Settings, host: str, port: int, json_lines: bool = False) -> None:
    """Print the admin token and the board URLs of the demo, if one was seeded.

    With JSON logs (a production setup) only the address is printed, as a JSON line:
    tokens never go to a log."""
    path = tokens_file(settings)
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    if json_lines:
        record = {"level": "info", "logger": "huddle", "message": "Huddle is starting"}
        print(json.dumps(record | {"url": base, "docs": f"{base}/schema"}), flush=True)
        return
    lines = ["", f"Huddle is starting on {base}", f"  API docs:      {base}/schema"]
    if path.exists():
        tokens = json.loads(path.read_text())
        lines += [
            f"  Admin token:   {tokens['admin']}",
            f"  Office TV:     {base}/tv?token={tokens['display']}",
            f"  Seller board:  {base}/board?token={tokens['seller']['token']}"
            f"   ({tokens['seller']['name']})",
            f"  Manager view:  {base}/manage?token={tokens['manager']['token']}"
            f"   ({tokens['manager']['name']})",
            f"  (tokens are kept in {path})",
        ]
    elif settings.admin_token:
        lines.append("  Admin token:   the value of HUDDLE_ADMIN_TOKEN")
    print("\n".join(lines) + "\n", flush=True)
