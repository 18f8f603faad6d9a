"""The ASGI entry point for uvicorn workers: ``service.asgi:app``."""

from .app import create_app

__all__ = ["app"]

app = create_app()
