"""Fewer, smaller ledger indexes, and a search vector the bulk import writes itself.

Every index and every generated value costs each row of a million-row statement import
(bench/README.md, "Statement import"). This migration:

* drops the index of ``fund_id`` (``ledger_fund_day`` starts with it) and, on PostgreSQL, the
  ``varchar_pattern_ops`` copies of ``hash`` and ``reference`` (nothing searches them by prefix);
* makes the indexes of the nullable links (item, pledge, need, organisation, recorded_by) and
  of ``reference`` partial: almost every entry has none of them, and ``reference = 'CT…'`` (or
  ``IN``) implies ``reference <> ''``, so the planner still uses the index;
* replaces ``ledger_recorded_at`` by ``ledger_recorded_seq`` (recorded_at, seq), which migration
  0004 already made on PostgreSQL;
* PostgreSQL: ``search_tsv`` stops being a generated column. A BEFORE INSERT trigger fills it
  when an insert leaves it NULL (``ledger_append``, any ORM insert), with the same expression;
  the bulk COPY of ``statements.bulk`` supplies it (``funds.services.search_vector``), which
  spares PostgreSQL a regexp_replace and a to_tsvector per row.

Django's AlterField would rebuild the table on SQLite and lose the append-only trigger of
migration 0002, so the state changes here and the database gets plain DROP/CREATE INDEX.
"""

from typing import Any

from django.conf import settings
from django.db import migrations, models

FK_PARTIAL = ("item", "pledge", "need", "organisation", "recorded_by")
UNINDEXED = ("fund", *FK_PARTIAL, "reference")  # their single-column indexes go
NEW_INDEXES = [
    models.Index(fields=["recorded_at", "seq"], name="ledger_recorded_seq"),
    models.Index(fields=["reference"], condition=~models.Q(reference=""), name="ledger_reference"),
    *(models.Index(fields=[name], condition=models.Q(**{f"{name}__isnull": False}), name=f"ledger_{name}") for name in FK_PARTIAL),
]

SEARCH_FORWARD = [
    "ALTER TABLE funds_ledgerentry ALTER COLUMN search_tsv DROP EXPRESSION",
    """CREATE FUNCTION funds_ledgerentry_search_tsv() RETURNS trigger AS $$
       BEGIN
         NEW.search_tsv := to_tsvector('simple'::regconfig, regexp_replace(NEW.search_key, '[^a-z0-9]+', ' ', 'g'));
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER funds_ledgerentry_search_tsv BEFORE INSERT ON funds_ledgerentry
       FOR EACH ROW WHEN (NEW.search_tsv IS NULL) EXECUTE FUNCTION funds_ledgerentry_search_tsv()""",
]
SEARCH_BACKWARD = [
    "DROP TRIGGER IF EXISTS funds_ledgerentry_search_tsv ON funds_ledgerentry",
    "DROP FUNCTION IF EXISTS funds_ledgerentry_search_tsv()",
    "DROP INDEX IF EXISTS ledger_search_tsv",
    "ALTER TABLE funds_ledgerentry DROP COLUMN IF EXISTS search_tsv",
    "ALTER TABLE funds_ledgerentry ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, regexp_replace(search_key, '[^a-z0-9]+', ' ', 'g'))) STORED",
    "CREATE INDEX ledger_search_tsv ON funds_ledgerentry USING gin (search_tsv)",
]


def _indexes(schema_editor: Any, table: str) -> dict[str, dict[str, Any]]:
    with schema_editor.connection.cursor() as cursor:
        return schema_editor.connection.introspection.get_constraints(cursor, table)


def forward(apps: Any, schema_editor: Any) -> None:
    model = apps.get_model("funds", "LedgerEntry")
    table = model._meta.db_table
    columns = {model._meta.get_field(name).column for name in UNINDEXED} | {"hash", "recorded_at"}
    for name, info in _indexes(schema_editor, table).items():
        # Plain (non-unique) single-column indexes: Django's db_index ones and, on PostgreSQL,
        # their _like copies (also hash's: the unique constraint itself stays).
        single = len(info["columns"]) == 1 and info["columns"][0] in columns
        if single and info["index"] and not info["unique"] and not info["primary_key"]:
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")
    existing = set(_indexes(schema_editor, table))
    for index in NEW_INDEXES:
        if index.name not in existing:  # ledger_recorded_seq exists on PostgreSQL (0004)
            schema_editor.add_index(model, index)
    if schema_editor.connection.vendor == "postgresql":
        for statement in SEARCH_FORWARD:
            schema_editor.execute(statement)


def backward(apps: Any, schema_editor: Any) -> None:
    model = apps.get_model("funds", "LedgerEntry")
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in SEARCH_BACKWARD:
            schema_editor.execute(statement)
    for index in NEW_INDEXES:
        if not (vendor == "postgresql" and index.name == "ledger_recorded_seq"):
            schema_editor.remove_index(model, index)
    schema_editor.add_index(model, models.Index(fields=["recorded_at"], name="ledger_recorded_at"))
    for name in UNINDEXED:
        field = model._meta.get_field(name)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))
        if vendor == "postgresql" and name == "reference":
            schema_editor.execute(schema_editor._create_like_index_sql(model, field))
    if vendor == "postgresql":
        schema_editor.execute(schema_editor._create_like_index_sql(model, model._meta.get_field("hash")))


class Migration(migrations.Migration):
    dependencies = [("funds", "0005_ledger_matches"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="fund",
                    field=models.ForeignKey(db_index=False, on_delete=models.deletion.PROTECT, related_name="entries", to="funds.fund"),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="item",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=models.deletion.PROTECT, related_name="+", to="needs.catalogueitem"
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="pledge",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=models.deletion.PROTECT, related_name="ledger_entries",
                        to="pledges.pledge",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="need",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=models.deletion.PROTECT, related_name="ledger_entries",
                        to="needs.need",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="organisation",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=models.deletion.PROTECT, related_name="+",
                        to="accounts.organisation",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="recorded_by",
                    field=models.ForeignKey(
                        blank=True, db_index=False, null=True, on_delete=models.deletion.PROTECT, related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="reference",
                    field=models.CharField(blank=True, max_length=16),
                ),
                migrations.RemoveIndex(model_name="ledgerentry", name="ledger_recorded_at"),
                *(migrations.AddIndex(model_name="ledgerentry", index=index) for index in NEW_INDEXES),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        ),
    ]
