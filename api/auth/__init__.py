"""api.auth.tokens."""
