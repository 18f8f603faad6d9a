"""Redis adapters: leaderboards (a derived view of the ledger) and the embedded server."""
