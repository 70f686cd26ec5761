-- omskit schema, version 1. Money is exact decimal TEXT, never REAL; times
-- are RFC 3339 UTC TEXT with microseconds; ids are UUID TEXT.

CREATE TABLE locations (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    priority INTEGER NOT NULL,
    active   INTEGER NOT NULL CHECK (active IN (0, 1))
) STRICT, WITHOUT ROWID;

CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    channel         TEXT NOT NULL,
    external_id     TEXT,
    idempotency_key TEXT,
    customer_id     TEXT NOT NULL,
    customer_name   TEXT NOT NULL,
    customer_email  TEXT,
    customer_phone  TEXT,
    ship_to         TEXT,             -- JSON address
    bill_to         TEXT,             -- JSON address
    currency        TEXT NOT NULL,
    discounts       TEXT NOT NULL,    -- JSON list of order-level discounts
    notes           TEXT,
    subtotal        TEXT NOT NULL,
    discount_total  TEXT NOT NULL,
    tax_total       TEXT NOT NULL,
    shipping        TEXT NOT NULL,
    grand_total     TEXT NOT NULL,
    status          TEXT NOT NULL,
    payment_status  TEXT NOT NULL,
    authorized      TEXT NOT NULL,
    captured        TEXT NOT NULL,
    payments        TEXT NOT NULL,    -- JSON list of payment records
    holds           TEXT NOT NULL,    -- JSON list of holds
    cancel_reason   TEXT,
    placed_at       TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL,
    last_line_id    INTEGER NOT NULL
) STRICT;
-- Partial indexes: most orders have neither key, and those write no entry.
CREATE UNIQUE INDEX orders_by_external_id ON orders (channel, external_id) WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX orders_by_idempotency_key ON orders (idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE order_lines (
    order_id           TEXT NOT NULL REFERENCES orders (id),
    line_id            INTEGER NOT NULL,
    sku                TEXT NOT NULL,
    quantity           INTEGER NOT NULL CHECK (quantity >= 0),
    cancelled_quantity INTEGER NOT NULL CHECK (cancelled_quantity >= 0),
    unit_price         TEXT NOT NULL,
    discount           TEXT,          -- JSON {"amount": ..} or {"percent": ..}
    tax_rate           TEXT NOT NULL,
    gross              TEXT NOT NULL,
    line_discount      TEXT NOT NULL,
    order_discount     TEXT NOT NULL,
    tax                TEXT NOT NULL,
    total              TEXT NOT NULL,
    PRIMARY KEY (order_id, line_id)
) STRICT, WITHOUT ROWID;

-- The validated draft of every order placed with an idempotency key, to
-- compare retries against.
CREATE TABLE idempotency_keys (
    key      TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    draft    TEXT NOT NULL            -- JSON order draft
) STRICT, WITHOUT ROWID;

CREATE TABLE stock_levels (
    sku      TEXT NOT NULL,
    location TEXT NOT NULL REFERENCES locations (code),
    on_hand  INTEGER NOT NULL,
    reserved INTEGER NOT NULL CHECK (reserved >= 0 AND reserved <= on_hand),
    PRIMARY KEY (sku, location)
) STRICT, WITHOUT ROWID;

-- Keyed by order first: an order's reservations are one range of the table.
CREATE TABLE reservations (
    order_id   TEXT NOT NULL REFERENCES orders (id),
    id         TEXT NOT NULL,
    line_id    INTEGER NOT NULL,
    sku        TEXT NOT NULL,
    location   TEXT NOT NULL REFERENCES locations (code),
    quantity   INTEGER NOT NULL CHECK (quantity >= 0),
    status     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (order_id, id)
) STRICT, WITHOUT ROWID;

-- The stock ledger: append-only.
CREATE TABLE stock_movements (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL,
    at             TEXT NOT NULL,
    sku            TEXT NOT NULL,
    location       TEXT NOT NULL,
    kind           TEXT NOT NULL,
    on_hand_delta  INTEGER NOT NULL,
    reserved_delta INTEGER NOT NULL,
    reason         TEXT,
    reference      TEXT NOT NULL
) STRICT;
CREATE INDEX stock_movements_by_sku ON stock_movements (sku, location);

-- The event log: append-only, hash-chained per stream.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,
    stream      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    UNIQUE (stream, version)
) STRICT;
