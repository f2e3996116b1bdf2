"""Registry writes in two round trips on PostgreSQL, without one lock serialising them all.

Revision ID: 0008_registry_throughput
Revises: 0011_identity_care
Create Date: 2026-11-25

PostgreSQL gets three functions (docs/registry.md, "How a write reaches the database"):

- ``tanshi_registry_gate(exclusive)`` takes the registry's write gate, a transaction-level
  advisory lock: a single request executed on its own takes it shared, anything that must
  see the registry stand still (status changes, proposals, settlement, requests executed
  inside a larger transaction) takes it exclusively.
- ``tanshi_registry_read(request)`` takes the gate, then the lock of the request's
  idempotency key, then a lock per (account, unit class) the request touches, in that order
  (advisory locks: they exist before the holding does, and taking them writes nothing), and
  the unit classes it issues, and returns as JSON what ``check_request`` and the split rule
  need.
- ``tanshi_registry_write(entry)`` writes what Python decided and, last, takes the journal
  head: it computes the entry's sequence and SHA-256 (``registry/journal.py``) from the head
  it finds, so the head is held only from there to the commit.

On SQLite (where ``BEGIN IMMEDIATE`` serialises writers) the triggers that refuse
overlapping serial blocks check only the block that could overlap: the one of the class
starting last at or before the new block's end (blocks already stored never overlap, so if
any block overlaps the new one, that one does). They scanned every lower block of the class.
``holdings`` becomes a WITHOUT ROWID table there (its primary key is the table: one b-tree
to write per holding, not two).

On both stores the index on (unit class, last serial) of ``unit_blocks`` goes: the block
ending at a serial is found through (unit class, first serial) as the block starting last
at or before it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_registry_throughput"
down_revision = "0011_identity_care"
branch_labels = None
depends_on = None

# Advisory lock keys: (namespace, 0) is the gate, (namespace + 1, hashtext(key)) an
# idempotency key (both of the two-integer kind); a holding's is the one bigint
# account << 32 | unit class (the one-bigint kind, a separate key space).
_NAMESPACE = 1952542323
_GATE = f"""
CREATE FUNCTION tanshi_registry_gate(exclusive boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF exclusive THEN
        PERFORM pg_advisory_xact_lock({_NAMESPACE}, 0);
    ELSE
        PERFORM pg_advisory_xact_lock_shared({_NAMESPACE}, 0);
    END IF;
END $$"""


def _unpack(declarations: str) -> str:
    """PL/pgSQL declarations ``name kind[] <- path`` as variables unpacked from JSON.

    Lists arrive as one JSON document (one parameter, cheap for the client) and become
    arrays by a text cast ("[1, 2]" -> "{1, 2}"): a plain expression, which PL/pgSQL
    evaluates without starting a query, where a subquery per list would cost more than the
    statements that use it.
    """
    lines = []
    for line in declarations.strip().splitlines():
        name, kind, path = line.split(maxsplit=2)
        path = path.removeprefix("<- ")
        lines.append(f"    {name} {kind} := translate(({path})::text, '[]', '{{}}')::{kind};")
    return "\n".join(lines)


_READ_LISTS = """
    touched_accounts integer[] <- request->'touched'->0
    touched_classes integer[] <- request->'touched'->1
    source_accounts integer[] <- request->'sources'->0
    source_classes integer[] <- request->'sources'->1
    source_needs bigint[] <- request->'sources'->2
    receiver_accounts integer[] <- request->'receivers'->0
    receiver_classes integer[] <- request->'receivers'->1
    account_ids integer[] <- request->'accounts'
    class_ids integer[] <- request->'classes'
    end_classes integer[] <- request->'ends'->0
    end_serials bigint[] <- request->'ends'->1
    start_classes integer[] <- request->'starts'->0
    start_serials bigint[] <- request->'starts'->1
"""

# Every access below is by key: keep the planner to index scans however small the tables
# are when a connection first plans them, and plan each statement once per connection.
_PLANNING = "SET plan_cache_mode = force_generic_plan SET enable_seqscan = off"

# request: {"key", "exclusive", "touched": [[account…], [class…]] sorted by (account,
# class), "receivers" (the same shape), "sources" (with [need…]: units the lowest serials
# must cover, null for all, see block_changes.serials_needed), "accounts": [id…],
# "classes": [id…], "ends" and "starts": [[class…], [serial…]], the serials next to named
# serial ranges}.
# Per-key lookups are LATERAL subqueries kept apart by OFFSET 0, so each is an index probe.
_READ = f"""
CREATE FUNCTION tanshi_registry_read(request jsonb) RETURNS jsonb
LANGUAGE plpgsql {_PLANNING} AS $$
DECLARE
    exclusive boolean := (request->>'exclusive')::boolean;
{_unpack(_READ_LISTS)}
    issued_classes integer[];
    found_id integer;
    found_fingerprint text;
BEGIN
    IF exclusive THEN
        PERFORM pg_advisory_xact_lock({_NAMESPACE}, 0);
        PERFORM 1 FROM journal_head WHERE id = 1 FOR NO KEY UPDATE;
    ELSE
        -- Shared gate, then the key: a second request with the same key waits here for
        -- the first to end, then finds it.
        PERFORM pg_advisory_xact_lock_shared({_NAMESPACE}, 0),
                pg_advisory_xact_lock({_NAMESPACE + 1}, hashtext(request->>'key'));
    END IF;
    SELECT id, fingerprint INTO found_id, found_fingerprint
    FROM transactions WHERE idempotency_key = request->>'key';
    IF found_id IS NOT NULL THEN
        RETURN jsonb_build_object('previous', jsonb_build_array(found_id, found_fingerprint));
    END IF;
    IF NOT exclusive THEN
        -- Every (account, unit class) the request debits or credits, in one global order,
        -- so concurrent writers cannot deadlock: a lock on the holding and its serial
        -- blocks, whether or not the holding exists yet (an advisory lock, so nothing is
        -- written to take it).
        PERFORM pg_advisory_xact_lock(k)
        FROM (SELECT (t.a::bigint << 32) | t.c AS k
              FROM unnest(touched_accounts, touched_classes) AS t(a, c)
              ORDER BY t.a, t.c OFFSET 0) keys;
    END IF;
    -- Issuance takes the next serials of a class: one issuer at a time.
    issued_classes := ARRAY(
        SELECT DISTINCT s.c FROM unnest(source_accounts, source_classes) AS s(a, c)
        WHERE (SELECT allows_negative FROM accounts WHERE id = s.a)
    );
    IF cardinality(issued_classes) > 0 THEN
        PERFORM 1 FROM unit_classes WHERE id = ANY(issued_classes)
        ORDER BY id FOR NO KEY UPDATE;
    END IF;
    RETURN (
        WITH held AS (  -- lowest first, as far as the request needs (all: need is null)
            SELECT b.id, b.account_id, b.unit_class_id, b.first_serial, b.last_serial
            FROM unnest(source_accounts, source_classes, source_needs) AS s(a, c, need),
            LATERAL (SELECT * FROM (
                         SELECT b.*, sum(b.last_serial - b.first_serial + 1) OVER (
                                    ORDER BY b.first_serial ROWS UNBOUNDED PRECEDING)
                                - (b.last_serial - b.first_serial + 1) AS before
                         FROM unit_blocks b
                         WHERE b.account_id = s.a AND b.unit_class_id = s.c) b
                     WHERE s.need IS NULL OR b.before < s.need) b
        ), ends AS (  -- a receiver's block ending here may merge with what it receives
            SELECT unit_class_id AS c, first_serial - 1 AS serial FROM held
            UNION SELECT id, next_serial - 1 FROM unit_classes WHERE id = ANY(issued_classes)
            UNION SELECT * FROM unnest(end_classes, end_serials)
        ), starts AS (
            SELECT unit_class_id AS c, last_serial + 1 AS serial FROM held
            UNION SELECT * FROM unnest(start_classes, start_serials)
        ), near AS (
            SELECT b.* FROM ends e,
            LATERAL (SELECT * FROM unit_blocks b
                     WHERE b.unit_class_id = e.c AND b.first_serial <= e.serial
                     ORDER BY b.first_serial DESC LIMIT 1) b
            WHERE b.last_serial = e.serial
            UNION
            SELECT b.* FROM starts s,
            LATERAL (SELECT * FROM unit_blocks b
                     WHERE b.unit_class_id = s.c AND b.first_serial = s.serial OFFSET 0) b
        )
        SELECT jsonb_build_object(
            'holdings', (SELECT coalesce(jsonb_agg(jsonb_build_array(
                                    h.account_id, h.unit_class_id, h.quantity_units)), '[]')
                         FROM unnest(source_accounts, source_classes) AS t(a, c),
                         LATERAL (SELECT * FROM holdings h
                                  WHERE h.account_id = t.a AND h.unit_class_id = t.c
                                  OFFSET 0) h),
            'accounts', (SELECT coalesce(jsonb_agg(jsonb_build_array(
                                    id, code, kind, status, holder)), '[]')
                         FROM accounts WHERE id = ANY(account_ids)),
            'classes', (SELECT coalesce(jsonb_agg(jsonb_build_array(
                                   id, code, unit_type, kind, jurisdiction, vintage, project,
                                   labels, next_serial)), '[]')
                        FROM unit_classes WHERE id = ANY(class_ids)),
            'held', (SELECT coalesce(jsonb_agg(jsonb_build_array(
                                id, account_id, unit_class_id, first_serial, last_serial)
                                ORDER BY account_id, unit_class_id, first_serial), '[]')
                     FROM held),
            'near', (SELECT coalesce(jsonb_agg(jsonb_build_array(
                                n.id, n.account_id, n.unit_class_id, n.first_serial,
                                n.last_serial)), '[]')
                     FROM near n
                     WHERE (n.account_id, n.unit_class_id) IN (
                         SELECT * FROM unnest(receiver_accounts, receiver_classes)))
        )
    );
END $$"""

_WRITE_LISTS = """
    deleted integer[] <- entry->'deleted'
    shrunk_blocks integer[] <- entry->'shrunk'->0
    shrunk_firsts bigint[] <- entry->'shrunk'->1
    new_accounts integer[] <- entry->'inserted'->0
    new_classes integer[] <- entry->'inserted'->1
    new_firsts bigint[] <- entry->'inserted'->2
    new_lasts bigint[] <- entry->'inserted'->3
    issued_classes integer[] <- entry->'issued'->0
    issued_quantities bigint[] <- entry->'issued'->1
    changed_accounts integer[] <- entry->'changed'->0
    changed_classes integer[] <- entry->'changed'->1
    changed_deltas bigint[] <- entry->'changed'->2
    upserted_accounts integer[] <- entry->'upserts'->0
    upserted_classes integer[] <- entry->'upserts'->1
    upserted_deltas bigint[] <- entry->'upserts'->2
    upserted_negatives boolean[] <- entry->'upserts'->3
    moved_from integer[] <- entry->'movements'->0
    moved_to integer[] <- entry->'movements'->1
    moved_classes integer[] <- entry->'movements'->2
    moved_quantities bigint[] <- entry->'movements'->3
    block_movements integer[] <- entry->'blocks'->0
    block_firsts bigint[] <- entry->'blocks'->1
    block_lasts bigint[] <- entry->'blocks'->2
"""

# entry: "deleted": [block…]; "shrunk": [[block…], [first…]]; "inserted": [[account…],
# [class…], [first…], [last…]]; "issued": [[class…], [quantity…]]; "changed": [[account…],
# [class…], [delta…]], debits of holdings check_request saw hold enough (they exist);
# "upserts": [[account…], [class…], [delta…], [allows_negative…]], the other changes (the
# holding may not exist yet); "type", "key", "fingerprint", "booked_at",
# "compliance_year", "memo"; "before" and "after", the canonical form around the sequence;
# "movements": [[from…], [to…], [class…], [quantity…]]; "blocks": [[movement…], [first…],
# [last…]] (movement: its index in movements).
_WRITE = f"""
CREATE FUNCTION tanshi_registry_write(entry jsonb) RETURNS integer
LANGUAGE plpgsql {_PLANNING} AS $$
DECLARE
{_unpack(_WRITE_LISTS)}
    changed integer;
    head_sequence bigint;
    head_hash text;
    new_hash text;
    new_transaction integer;
BEGIN
    IF cardinality(deleted) > 0 THEN
        DELETE FROM unit_blocks WHERE id = ANY(deleted);
    END IF;
    IF cardinality(shrunk_blocks) > 0 THEN
        UPDATE unit_blocks b SET first_serial = x.f
        FROM unnest(shrunk_blocks, shrunk_firsts) AS x(id, f) WHERE b.id = x.id;
    END IF;
    IF cardinality(new_accounts) > 0 THEN
        INSERT INTO unit_blocks (account_id, unit_class_id, first_serial, last_serial)
        SELECT * FROM unnest(new_accounts, new_classes, new_firsts, new_lasts);
    END IF;
    IF cardinality(issued_classes) > 0 THEN
        UPDATE unit_classes u SET next_serial = u.next_serial + x.q
        FROM unnest(issued_classes, issued_quantities) AS x(id, q) WHERE u.id = x.id;
    END IF;
    IF cardinality(changed_accounts) > 0 THEN
        UPDATE holdings h SET quantity_units = h.quantity_units + x.d
        FROM unnest(changed_accounts, changed_classes, changed_deltas) AS x(a, c, d)
        WHERE h.account_id = x.a AND h.unit_class_id = x.c;
        GET DIAGNOSTICS changed = ROW_COUNT;
        IF changed <> cardinality(changed_accounts) THEN
            RAISE EXCEPTION 'a changed holding must exist';
        END IF;
    END IF;
    IF cardinality(upserted_accounts) > 0 THEN
        INSERT INTO holdings AS h (account_id, unit_class_id, allows_negative, quantity_units)
        SELECT x.a, x.c, x.negative, x.d
        FROM unnest(upserted_accounts, upserted_classes, upserted_deltas, upserted_negatives)
             AS x(a, c, d, negative)
        ON CONFLICT (account_id, unit_class_id)
        DO UPDATE SET quantity_units = h.quantity_units + EXCLUDED.quantity_units;
    END IF;
    -- The head last: it is held from here to the commit.
    SELECT sequence, entry_hash INTO head_sequence, head_hash
    FROM journal_head WHERE id = 1 FOR NO KEY UPDATE;
    head_sequence := head_sequence + 1;
    new_hash := encode(sha256(convert_to(
        head_hash || (entry->>'before') || head_sequence::text || (entry->>'after'), 'UTF8'
    )), 'hex');
    -- Movement ids in booking order: the chain reads movements (and blocks) by id.
    WITH head AS (
        UPDATE journal_head SET sequence = head_sequence, entry_hash = new_hash WHERE id = 1
    ), booked AS (
        INSERT INTO transactions (type_code, idempotency_key, fingerprint, booked_at,
                                  compliance_year, memo, sequence, previous_hash, entry_hash)
        VALUES (entry->>'type', entry->>'key', entry->>'fingerprint',
                (entry->>'booked_at')::timestamptz, (entry->>'compliance_year')::integer,
                entry->>'memo', head_sequence, head_hash, new_hash)
        RETURNING id
    ), ids AS (
        SELECT nextval('movements_id_seq')::integer AS id, n
        FROM generate_series(1, cardinality(moved_from)) AS n
    ), moved AS (
        INSERT INTO movements (id, transaction_id, from_account_id, to_account_id,
                               unit_class_id, quantity_units)
        SELECT ids.id, booked.id, m.f, m.t, m.c, m.q
        FROM booked,
             unnest(moved_from, moved_to, moved_classes, moved_quantities)
             WITH ORDINALITY AS m(f, t, c, q, n)
        JOIN ids ON ids.n = m.n
    ), blocks AS (
        INSERT INTO movement_blocks (movement_id, first_serial, last_serial)
        SELECT ids.id, b.f, b.l
        FROM unnest(block_movements, block_firsts, block_lasts) WITH ORDINALITY AS b(m, f, l, n)
        JOIN ids ON ids.n = b.m + 1
        ORDER BY b.n
    )
    SELECT id INTO new_transaction FROM booked;
    RETURN new_transaction;
END $$"""


def _overlap_triggers(predecessor_only: bool) -> None:
    """SQLite's triggers refusing a block that overlaps another of its class."""
    for action, other in (("INSERT", ""), ("UPDATE", " AND b.id <> NEW.id")):
        name = f"unit_blocks_no_overlap_{action.lower()}"
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        if predecessor_only:
            overlaps = (
                "(SELECT b.last_serial FROM unit_blocks b WHERE b.unit_class_id = "
                f"NEW.unit_class_id{other} AND b.first_serial <= NEW.last_serial "
                "ORDER BY b.first_serial DESC LIMIT 1) >= NEW.first_serial"
            )
        else:  # as 0001_spine created them
            overlaps = (
                "EXISTS (SELECT 1 FROM unit_blocks b WHERE b.unit_class_id = NEW.unit_class_id"
                f"{other} AND b.first_serial <= NEW.last_serial "
                "AND b.last_serial >= NEW.first_serial)"
            )
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {action} ON unit_blocks WHEN {overlaps} "
            "BEGIN SELECT RAISE(ABORT, 'serial blocks overlap: a serial would be held twice'); END"
        )


def _holdings(with_rowid: bool) -> None:
    """Rebuild SQLite's holdings table with or without a rowid (constraints as 0001_spine)."""
    definition = sa.Table(
        "holdings",
        sa.MetaData(),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("unit_class_id", sa.Integer(), nullable=False),
        sa.Column("allows_negative", sa.Boolean(), nullable=False),
        sa.Column("quantity_units", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "allows_negative OR quantity_units >= 0", name=op.f("ck_holdings_never_negative")
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "allows_negative"],
            ["accounts.id", "accounts.allows_negative"],
            name=op.f("fk_holdings_account_id_allows_negative_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_class_id"],
            ["unit_classes.id"],
            name=op.f("fk_holdings_unit_class_id_unit_classes"),
        ),
        sa.PrimaryKeyConstraint("account_id", "unit_class_id", name=op.f("pk_holdings")),
    )
    with op.batch_alter_table(
        "holdings", recreate="always", copy_from=definition,
        table_kwargs={"sqlite_with_rowid": with_rowid},
    ):  # fmt: skip
        pass


def upgrade() -> None:
    op.drop_index("ix_unit_blocks_class_end", table_name="unit_blocks")
    if op.get_bind().dialect.name != "postgresql":
        _overlap_triggers(predecessor_only=True)
        _holdings(with_rowid=False)
        return
    for statement in (_GATE, _READ, _WRITE):
        op.execute(statement)


def downgrade() -> None:
    op.create_index("ix_unit_blocks_class_end", "unit_blocks", ["unit_class_id", "last_serial"])
    if op.get_bind().dialect.name != "postgresql":
        _overlap_triggers(predecessor_only=False)
        _holdings(with_rowid=True)
        return
    for name in ("tanshi_registry_write", "tanshi_registry_read"):
        op.execute(f"DROP FUNCTION {name}(jsonb)")
    op.execute("DROP FUNCTION tanshi_registry_gate(boolean)")
