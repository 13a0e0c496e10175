"""api.views."""
