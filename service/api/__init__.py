"""HTTP adapters: thin Litestar controllers that turn requests into commands for the
writer, and read views into responses."""
