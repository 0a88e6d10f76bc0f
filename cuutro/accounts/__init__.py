"""Users, organisations, role assignments scoped to areas, API tokens."""
