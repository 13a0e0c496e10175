"""lca package."""
