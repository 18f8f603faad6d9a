"""Huddle: live team competition and rewards for sales teams."""

__all__ = ["__version__"]

__version__ = "0.1.0"
