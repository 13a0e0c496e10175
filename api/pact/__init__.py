"""api.pact."""
