"""lca.cbam.rules."""
