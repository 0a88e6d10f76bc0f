"""Public cross-domain pages: home, needs search, map, need detail; officer screens."""
