"""tests.ledger.store."""
