"""Registry functions on PostgreSQL: lists arrive as array text, not as JSON arrays.

Revision ID: 0027_bulk_allocation
Revises: 0026_sqlite_notifications
Create Date: 2026-11-24

``tanshi_registry_read`` and ``tanshi_registry_write`` take one JSON document whose lists
were JSON arrays of numbers, turned into PostgreSQL arrays by a text cast ("[1, 2]" ->
"{1, 2}"). For a bulk allocation (10,000 movements, about 150,000 numbers) the server
spent about 60 ms of its 0.55 s parsing those numbers into JSON numerics and printing them
back as text before the cast. Each list now arrives as a JSON string holding PostgreSQL's
array text ("{1,2}", NULL for a missing number), which becomes an array by one cast, and
the document's parse copies the string. The functions are otherwise as before (the read
as ``0021_block_take_order`` made it, the write as ``0008_registry_throughput``), taken
from those files and edited here; the downgrade puts those back.
"""

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from alembic import op

revision = "0027_bulk_allocation"
down_revision = "0026_sqlite_notifications"
branch_labels = None
depends_on = None


def _migration(file: str) -> ModuleType:
    """An earlier migration's module, whose function text this one edits."""
    path = Path(__file__).with_name(file)
    spec = importlib.util.spec_from_file_location(f"tanshi_migration_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ``name kind := translate((document->'list'->0)::text, '[]', '{}')::kind;``, as 0008's
# _unpack wrote each list, becomes ``name kind := (document->'list'->>0)::kind;``.
_UNPACKED = re.compile(
    r"translate\(\(((?:request|entry)(?:->'\w+')*)->('\w+'|\d+)\)::text, '\[\]', '\{\}'\)"
)


def _text_arrays(definition: str, lists: int) -> str:
    """``definition`` with each of its ``lists`` lists read from array text."""
    edited, count = _UNPACKED.subn(r"(\1->>\2)", definition)
    assert count == lists, f"expected {lists} lists, found {count}"
    return edited.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def _old_read() -> str:
    return _migration("0021_block_take_order.py")._read()


def _old_write() -> str:
    text = _migration("0008_registry_throughput.py")._WRITE
    return text.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_text_arrays(_old_read(), 16))
        op.execute(_text_arrays(_old_write(), 23))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_old_read())
        op.execute(_old_write())
