"""Actions: each builds one kind of ledger entry through ``Ledger.record``."""
