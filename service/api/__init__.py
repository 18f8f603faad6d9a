"""HTTP adapters: thin Litestar controllers over the actions and stores."""
