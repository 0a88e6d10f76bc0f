"""The amount search's index covers the fund, the date order and the key.

``ledger_amount`` (amount) found an amount's matches in any order: for an amount in 137,000 of a
million entries, fetching the newest 1,001 of one fund read the table (2.6 ms). With (amount,
fund, booked_on, seq) INCLUDE (id) they come in order from the index alone (0.6 ms;
bench/README.md, "Public ledger search"). Still one index per row for the import. SQLite has no
INCLUDE; Django leaves it out there. Plain DROP/CREATE INDEX: no table rebuild, so the
append-only trigger of 0002 stays on SQLite.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("funds", "0006_ledger_lean_indexes")]

    # The new index first: the old one's DROP takes an exclusive lock until the migration's
    # transaction ends, and should not hold it through the build of the new one.
    operations = [
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(fields=["amount", "fund", "booked_on", "seq"], include=["id"], name="ledger_amount_day"),
        ),
        migrations.RemoveIndex(model_name="ledgerentry", name="ledger_amount"),
    ]
