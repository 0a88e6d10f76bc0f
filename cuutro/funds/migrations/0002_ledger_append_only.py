"""The database itself refuses to change a ledger entry.

SQLite: UPDATE is refused; DELETE too, except that Django's test flush must empty the table
between transactional tests, so on SQLite the DELETE guard is the model and queryset (which
raise). PostgreSQL: UPDATE and DELETE are refused row by row; TRUNCATE (used by the test flush,
and only by a superuser in production) is not a row operation.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE TRIGGER funds_ledgerentry_no_update BEFORE UPDATE ON funds_ledgerentry
       BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END""",
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS funds_ledgerentry_no_update"]

POSTGRES_FORWARD = [
    """CREATE FUNCTION funds_ledgerentry_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'ledger entries are append-only'; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER funds_ledgerentry_append_only BEFORE UPDATE OR DELETE ON funds_ledgerentry
       FOR EACH ROW EXECUTE FUNCTION funds_ledgerentry_append_only()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS funds_ledgerentry_append_only ON funds_ledgerentry",
    "DROP FUNCTION IF EXISTS funds_ledgerentry_append_only()",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
