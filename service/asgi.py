"""The ASGI entry point for uvicorn workers: ``service.asgi:app``."""

from .app import create_app
from .collector import settle

__all__ = ["app"]

app = create_app()

settle()  # see service/collector.py
