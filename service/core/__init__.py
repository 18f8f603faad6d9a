"""The pure core: scoring, ranking, goals, allowances and calendars.

Nothing in this package does I/O or imports redis, tortoise, litestar or asyncio
(``tests/test_core_purity.py`` fails if it does). Functions take what happened and the
policy and return point awards, ranks and events as frozen dataclasses.
"""
