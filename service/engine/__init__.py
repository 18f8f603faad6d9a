"""The engine: the one writer that persists every decision (group commit)."""
