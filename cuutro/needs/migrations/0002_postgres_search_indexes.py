"""PostgreSQL-only indexes for search: trigram on the folded search key, prefix on area paths.

SQLite has neither; there the same queries run on the plain B-tree indexes and scans, which is
fine at a commune's or a demo's scale. Production runs PostgreSQL.
"""

from django.db import migrations

from cuutro.needs.migrations._postgres import on_postgresql

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS need_search_key_trgm ON needs_need USING gin (search_key gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS need_area_path_prefix ON needs_need (area_path varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS area_path_prefix ON geo_area (path varchar_pattern_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS need_search_key_trgm",
    "DROP INDEX IF EXISTS need_area_path_prefix",
    "DROP INDEX IF EXISTS area_path_prefix",
]


class Migration(migrations.Migration):
    dependencies = [("needs", "0001_initial"), ("geo", "0001_initial")]
    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD))]
