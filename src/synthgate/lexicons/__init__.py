"""Word lists shipped with synthgate (identity terms)."""
