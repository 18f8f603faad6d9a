"""The database adapter: Tortoise models, connection set-up and migrations."""
