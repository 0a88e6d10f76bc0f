"""The database marks the communes whose board lines must be recomputed (see
``coordination.services``): after a need item is added, removed or its quantity or counters change,
after a need changes status, commune or urgency, and after a catalogue item moves to another
category or unit. The triggers only insert into ``coordination_boarddirty``.

Then every commune that already has needs is marked, so the first board read builds the lines.

SQLite drops a table's triggers when Django rebuilds the table (some ALTERs on SQLite copy the
table). A later migration that rebuilds ``needs_need``, ``needs_needitem`` or
``needs_catalogueitem`` on SQLite must create these triggers again; ``tests/test_board.py``
checks that they are in place.
"""

from django.db import migrations

ITEM_COLUMNS = ("need_id", "item_id", "quantity", "quantity_pledged", "quantity_delivered", "quantity_confirmed")
ITEM_CHANGED_SQLITE = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in ITEM_COLUMNS)
ITEM_CHANGED_POSTGRES = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in ITEM_COLUMNS)
MARK_NEW_ITEM = "INSERT INTO coordination_boarddirty (area_id) SELECT area_id FROM needs_need WHERE id = NEW.need_id"
MARK_OLD_ITEM = "INSERT INTO coordination_boarddirty (area_id) SELECT area_id FROM needs_need WHERE id = OLD.need_id"
MARK_CATALOGUE = (
    "INSERT INTO coordination_boarddirty (area_id) SELECT DISTINCT n.area_id FROM needs_needitem i "
    "JOIN needs_need n ON n.id = i.need_id WHERE i.item_id = NEW.id"
)
MARK_EVERY_COMMUNE = "INSERT INTO coordination_boarddirty (area_id) SELECT DISTINCT area_id FROM needs_need"

SQLITE_FORWARD = [
    f"""CREATE TRIGGER coordination_board_item_inserted AFTER INSERT ON needs_needitem
        BEGIN {MARK_NEW_ITEM}; END""",
    f"""CREATE TRIGGER coordination_board_item_deleted AFTER DELETE ON needs_needitem
        BEGIN {MARK_OLD_ITEM}; END""",
    f"""CREATE TRIGGER coordination_board_item_updated AFTER UPDATE ON needs_needitem
        WHEN {ITEM_CHANGED_SQLITE}
        BEGIN {MARK_NEW_ITEM}; {MARK_OLD_ITEM} AND OLD.need_id IS NOT NEW.need_id; END""",
    """CREATE TRIGGER coordination_board_need_updated AFTER UPDATE ON needs_need
        WHEN OLD.status IS NOT NEW.status OR OLD.area_id IS NOT NEW.area_id OR OLD.urgency_rank IS NOT NEW.urgency_rank
        BEGIN
          INSERT INTO coordination_boarddirty (area_id) VALUES (NEW.area_id);
          INSERT INTO coordination_boarddirty (area_id) SELECT OLD.area_id WHERE OLD.area_id IS NOT NEW.area_id;
        END""",
    f"""CREATE TRIGGER coordination_board_catalogue_updated AFTER UPDATE ON needs_catalogueitem
        WHEN OLD.category_id IS NOT NEW.category_id OR OLD.unit IS NOT NEW.unit
        BEGIN {MARK_CATALOGUE}; END""",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS coordination_board_{name}"
    for name in ("item_inserted", "item_deleted", "item_updated", "need_updated", "catalogue_updated")
]

POSTGRES_FORWARD = [
    f"""CREATE FUNCTION coordination_board_item_changed() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.need_id IS DISTINCT FROM NEW.need_id) THEN
            {MARK_OLD_ITEM};
          END IF;
          IF TG_OP <> 'DELETE' THEN
            {MARK_NEW_ITEM};
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER coordination_board_item_inserted_deleted AFTER INSERT OR DELETE ON needs_needitem
        FOR EACH ROW EXECUTE FUNCTION coordination_board_item_changed()""",
    f"""CREATE TRIGGER coordination_board_item_updated AFTER UPDATE ON needs_needitem
        FOR EACH ROW WHEN ({ITEM_CHANGED_POSTGRES}) EXECUTE FUNCTION coordination_board_item_changed()""",
    """CREATE FUNCTION coordination_board_need_changed() RETURNS trigger AS $$
        BEGIN
          INSERT INTO coordination_boarddirty (area_id) VALUES (NEW.area_id);
          IF OLD.area_id IS DISTINCT FROM NEW.area_id THEN
            INSERT INTO coordination_boarddirty (area_id) VALUES (OLD.area_id);
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER coordination_board_need_updated AFTER UPDATE ON needs_need
        FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.area_id IS DISTINCT FROM NEW.area_id
                           OR OLD.urgency_rank IS DISTINCT FROM NEW.urgency_rank)
        EXECUTE FUNCTION coordination_board_need_changed()""",
    f"""CREATE FUNCTION coordination_board_catalogue_changed() RETURNS trigger AS $$
        BEGIN {MARK_CATALOGUE}; RETURN NULL; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER coordination_board_catalogue_updated AFTER UPDATE ON needs_catalogueitem
        FOR EACH ROW WHEN (OLD.category_id IS DISTINCT FROM NEW.category_id OR OLD.unit IS DISTINCT FROM NEW.unit)
        EXECUTE FUNCTION coordination_board_catalogue_changed()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS coordination_board_item_inserted_deleted ON needs_needitem",
    "DROP TRIGGER IF EXISTS coordination_board_item_updated ON needs_needitem",
    "DROP TRIGGER IF EXISTS coordination_board_need_updated ON needs_need",
    "DROP TRIGGER IF EXISTS coordination_board_catalogue_updated ON needs_catalogueitem",
    "DROP FUNCTION IF EXISTS coordination_board_item_changed()",
    "DROP FUNCTION IF EXISTS coordination_board_need_changed()",
    "DROP FUNCTION IF EXISTS coordination_board_catalogue_changed()",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("coordination", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"sqlite": [*SQLITE_FORWARD, MARK_EVERY_COMMUNE], "postgresql": [*POSTGRES_FORWARD, MARK_EVERY_COMMUNE]}),
            run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
