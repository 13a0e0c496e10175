"""ledger.store.registry."""
