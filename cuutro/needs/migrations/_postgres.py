"""Helper for migrations that only concern PostgreSQL (SQLite has neither trigram nor tsvector).

Django's migration loader skips modules whose names start with an underscore. Migrations that
already ran depend on this function: change it only in ways that keep their behaviour.
"""

from collections.abc import Callable
from typing import Any


def on_postgresql(statements: list[str]) -> Callable[[Any, Any], None]:
    """A RunPython function that executes ``statements`` on PostgreSQL and does nothing elsewhere."""

    def apply(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply
