"""ledger.store.append."""
