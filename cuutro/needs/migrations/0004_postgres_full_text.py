"""PostgreSQL: whole-word search through a stored tsvector instead of LIKE on a trigram index.

The search key is already folded words between spaces; ``to_tsvector('simple', …)`` turns it into
exactly those words, so ``@@ plainto_tsquery('simple', 'dong ha')`` means the same as the
portable ``LIKE '% dong %' AND LIKE '% ha %'`` that SQLite runs. Short common words ("ha",
"gao") made the trigram index return tens of thousands of candidates; the GIN index on the
words does not. A stored column (not an expression index) keeps the planner's estimates sane.
"""

from django.db import migrations

from cuutro.needs.migrations._postgres import on_postgresql

FORWARD = [
    "ALTER TABLE needs_need ADD COLUMN IF NOT EXISTS search_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_key)) STORED",
    "CREATE INDEX IF NOT EXISTS need_search_tsv ON needs_need USING gin (search_tsv)",
    "DROP INDEX IF EXISTS need_search_key_trgm",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS need_search_key_trgm ON needs_need USING gin (search_key gin_trgm_ops)",
    "DROP INDEX IF EXISTS need_search_tsv",
    "ALTER TABLE needs_need DROP COLUMN IF EXISTS search_tsv",
]


class Migration(migrations.Migration):
    dependencies = [("needs", "0003_seed_catalogue")]
    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD))]
