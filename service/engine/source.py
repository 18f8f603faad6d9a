"""The ledger as the board sync reads it: entries after a seq, ready for Redis, and the
award sums a full rebuild loads at once."""

from __future__ import annotations

from ..db.models import Entry as EntryRow
from ..db.models import Member
from ..db.sums import award_sums
from ..reads import typed_entries
from ..store.leaderboard import AwardSum, DirectoryRow, PendingEntry
from .pending import pending_entry

__all__ = ["LedgerReader"]


class LedgerReader:
    """Reads committed entries for Redis (implements the board sync's ``LedgerSource``)."""

    async def last_seq(self) -> int:
        row = await EntryRow.all().order_by("-seq").first()
        return row.seq if row else 0

    async def entries_after(self, seq: int, limit: int) -> list[PendingEntry]:
        rows = await EntryRow.filter(seq__gt=seq).order_by("seq").limit(limit)
        return [pending_entry(e) for e in await typed_entries(list(rows))]

    async def award_sums(self) -> tuple[int, list[AwardSum]]:
        return await award_sums()

    async def members(self) -> list[DirectoryRow]:
        rows = await Member.all().values_list("id", "name", "team_id", "active")
        return [DirectoryRow(int(i), str(n), int(t), bool(a)) for i, n, t, a in rows]
