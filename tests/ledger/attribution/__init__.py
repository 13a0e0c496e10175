"""tests.ledger.attribution."""
