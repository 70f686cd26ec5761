-- omskit schema, version 1 (PostgreSQL): the same tables as the SQLite
-- backend. Money is NUMERIC, times TIMESTAMPTZ, ids UUID text.

CREATE TABLE locations (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    priority INTEGER NOT NULL,
    active   BOOLEAN NOT NULL
);

CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    channel         TEXT NOT NULL,
    external_id     TEXT,
    idempotency_key TEXT UNIQUE,
    customer_id     TEXT NOT NULL,
    customer_name   TEXT NOT NULL,
    customer_email  TEXT,
    customer_phone  TEXT,
    ship_to         TEXT,
    bill_to         TEXT,
    currency        TEXT NOT NULL,
    discounts       TEXT NOT NULL,
    notes           TEXT,
    subtotal        NUMERIC NOT NULL,
    discount_total  NUMERIC NOT NULL,
    tax_total       NUMERIC NOT NULL,
    shipping        NUMERIC NOT NULL,
    grand_total     NUMERIC NOT NULL,
    status          TEXT NOT NULL,
    payment_status  TEXT NOT NULL,
    authorized      NUMERIC NOT NULL,
    captured        NUMERIC NOT NULL,
    payments        TEXT NOT NULL,
    holds           TEXT NOT NULL,
    cancel_reason   TEXT,
    placed_at       TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    version         BIGINT NOT NULL,
    last_line_id    INTEGER NOT NULL,
    UNIQUE (channel, external_id)
);

CREATE TABLE order_lines (
    order_id           TEXT NOT NULL REFERENCES orders (id),
    line_id            INTEGER NOT NULL,
    sku                TEXT NOT NULL,
    quantity           BIGINT NOT NULL CHECK (quantity >= 0),
    cancelled_quantity BIGINT NOT NULL CHECK (cancelled_quantity >= 0),
    unit_price         NUMERIC NOT NULL,
    discount           TEXT,
    tax_rate           NUMERIC NOT NULL,
    gross              NUMERIC NOT NULL,
    line_discount      NUMERIC NOT NULL,
    order_discount     NUMERIC NOT NULL,
    tax                NUMERIC NOT NULL,
    total              NUMERIC NOT NULL,
    PRIMARY KEY (order_id, line_id)
);

CREATE TABLE idempotency_keys (
    key      TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    draft    TEXT NOT NULL
);

CREATE TABLE stock_levels (
    sku      TEXT NOT NULL,
    location TEXT NOT NULL REFERENCES locations (code),
    on_hand  BIGINT NOT NULL,
    reserved BIGINT NOT NULL CHECK (reserved >= 0 AND reserved <= on_hand),
    PRIMARY KEY (sku, location)
);

CREATE TABLE reservations (
    id         TEXT PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES orders (id),
    line_id    INTEGER NOT NULL,
    sku        TEXT NOT NULL,
    location   TEXT NOT NULL REFERENCES locations (code),
    quantity   BIGINT NOT NULL CHECK (quantity >= 0),
    status     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX reservations_by_order ON reservations (order_id);
CREATE INDEX reservations_active ON reservations (sku, location) WHERE status = 'active';

CREATE TABLE stock_movements (
    seq            BIGSERIAL PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    at             TIMESTAMPTZ NOT NULL,
    sku            TEXT NOT NULL,
    location       TEXT NOT NULL,
    kind           TEXT NOT NULL,
    on_hand_delta  BIGINT NOT NULL,
    reserved_delta BIGINT NOT NULL,
    reason         TEXT,
    reference      TEXT NOT NULL
);
CREATE INDEX stock_movements_by_sku ON stock_movements (sku, location);

-- The event log. `seq` is (writing transaction id << 20 | index within the
-- transaction): it increases in the order readers may see events, which a
-- sequence would not (a lower number can commit after a higher one).
CREATE TABLE events (
    seq         BIGINT PRIMARY KEY,
    txid        BIGINT NOT NULL,
    stream      TEXT NOT NULL,
    version     BIGINT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    UNIQUE (stream, version)
);
