"""Registry reads on PostgreSQL: the common request's snapshot in a smaller statement.

Revision ID: 0020_registry_cpu
Revises: 0019_account_jurisdictions
Create Date: 2026-11-24

``tanshi_registry_read`` (migration ``0008_registry_throughput``) answered every request
with one statement that also looked, unit class by unit class, for every receiver's block
next to every serial the request could move, next to the class's next serial (issuance) and
next to named serial ranges, then kept the receivers' (two UNIONs, a hash join). PostgreSQL
starts that whole plan on every call, so it cost more server CPU than any other statement
of a transfer (docs/registry.md, "Benchmarks").

A request that issues nothing and names no serials (nearly all transfers) now gets its
snapshot from a smaller statement: the blocks next to the serials a source could give are
looked up in the blocks of the receivers that source gives to (the request's new
``pairs``: [[from…], [to…], [class…]]), through the (account, class, first serial) index.
Those are the only blocks that can merge with what a receiver gets (``give`` merges a
receiver's blocks with that receiver's gifts only); the statement before also returned a
receiver's block next to serials another receiver got, which ``give`` then deleted and
inserted again unchanged. Any other request runs 0008's statement, as before, and so does
one whose client sends no pairs (``registry_postgres`` leaves them out above
``MAX_PAIRS``: for an allocation to thousands of accounts, a lookup per pair would cost
more than one per serial).

Nothing else changes: the locks, their order, the idempotency check and
``tanshi_registry_write`` stay as 0008 made them. PostgreSQL only; on SQLite nothing.
"""

from alembic import op

revision = "0020_registry_cpu"
down_revision = "0019_account_jurisdictions"
branch_labels = None
depends_on = None

# As 0008_registry_throughput: advisory lock namespace and per-function settings.
_NAMESPACE = 1952542323
_PLANNING = "SET plan_cache_mode = force_generic_plan SET enable_seqscan = off"


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
_PAIR_LISTS = """
    pair_from integer[] <- request->'pairs'->0
    pair_to integer[] <- request->'pairs'->1
    pair_classes integer[] <- request->'pairs'->2
"""

# The statement 0008 answered every request with; now only requests that issue or name
# serials (and requests from clients that send no pairs).
_GENERAL = """    RETURN (
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
"""

# The blocks a source's move could merge with: the receiver's (of a movement from that
# source in that class) ending just before or starting just after a block the source holds.
_COMMON = """    RETURN (
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
        ), gives AS (
            SELECT h.first_serial, h.last_serial, p.t, p.c
            FROM unnest(pair_from, pair_to, pair_classes) AS p(f, t, c)
            JOIN held h ON h.account_id = p.f AND h.unit_class_id = p.c
        )
        SELECT jsonb_build_object(
            'holdings', (SELECT coalesce(jsonb_agg(jsonb_build_array(
                                    h.account_id, h.unit_class_id, h.quantity_units)), '[]')
                         FROM unnest(source_accounts, source_classes) AS t(a, c),
                         LATERAL (SELECT * FROM holdings h
                                  WHERE h.account_id = t.a AND h.unit_class_id = t.c
                                  OFFSET 0) h),
            'accounts', (SELECT coalesce(jsonb_agg(jsonb_build_array(
                                    a.id, a.code, a.kind, a.status, a.holder)), '[]')
                         FROM unnest(account_ids) AS t(id),
                         LATERAL (SELECT * FROM accounts a WHERE a.id = t.id OFFSET 0) a),
            'classes', (SELECT coalesce(jsonb_agg(jsonb_build_array(
                                   u.id, u.code, u.unit_type, u.kind, u.jurisdiction,
                                   u.vintage, u.project, u.labels, u.next_serial)), '[]')
                        FROM unnest(class_ids) AS t(id),
                        LATERAL (SELECT * FROM unit_classes u WHERE u.id = t.id OFFSET 0) u),
            'held', (SELECT coalesce(jsonb_agg(jsonb_build_array(
                                id, account_id, unit_class_id, first_serial, last_serial)
                                ORDER BY account_id, unit_class_id, first_serial), '[]')
                     FROM held),
            'near', (SELECT coalesce(jsonb_agg(jsonb_build_array(
                                n.id, n.account_id, n.unit_class_id, n.first_serial,
                                n.last_serial)), '[]')
                     FROM (SELECT b.* FROM gives g,
                           LATERAL (SELECT * FROM unit_blocks b
                                    WHERE b.account_id = g.t AND b.unit_class_id = g.c
                                      AND b.first_serial < g.first_serial
                                    ORDER BY b.first_serial DESC LIMIT 1) b
                           WHERE b.last_serial = g.first_serial - 1
                           UNION ALL
                           SELECT b.* FROM gives g,
                           LATERAL (SELECT * FROM unit_blocks b
                                    WHERE b.account_id = g.t AND b.unit_class_id = g.c
                                      AND b.first_serial = g.last_serial + 1 OFFSET 0) b) n)
        )
    );
"""

# request: as 0008_registry_throughput's, plus "pairs": [[from…], [to…], [class…]], one per
# distinct (from, to, class) of the request's movements.
_READ = f"""
CREATE OR REPLACE FUNCTION tanshi_registry_read(request jsonb) RETURNS jsonb
LANGUAGE plpgsql {_PLANNING} AS $$
DECLARE
    exclusive boolean := (request->>'exclusive')::boolean;
{_unpack(_READ_LISTS)}
{_unpack(_PAIR_LISTS)}
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
    IF cardinality(issued_classes) > 0 OR cardinality(end_classes) > 0
       OR cardinality(start_classes) > 0 OR pair_from IS NULL THEN
{_GENERAL}
    END IF;
{_COMMON}END $$"""


_PREVIOUS_READ = f"""
CREATE OR REPLACE FUNCTION tanshi_registry_read(request jsonb) RETURNS jsonb
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


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_READ)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PREVIOUS_READ)
