"""The ASGI entry point for uvicorn workers: ``service.asgi:app``."""

import gc

from .app import create_app

__all__ = ["app"]

app = create_app()

# Python's collector considers a full pass over every object after 10 of the younger
# passes, and makes one whenever the objects that survived grew by a quarter: a building's
# boards connecting (each keeps ~140 objects) made 4 full passes of 60-120 ms in 2,000
# connects, a fifth of their CPU. After 100, a full pass comes ten times less often. The
# app's own objects, made once, are set aside (``freeze``): no pass walks them again.
gc.set_threshold(700, 10, 100)
gc.freeze()
