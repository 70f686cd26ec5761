-- omskit schema, version 2: fulfilment, packages, shipments, bins, carrier
-- tracking events and condition readings. Same conventions as version 1:
-- decimals are exact TEXT (scale kept as given), times RFC 3339 UTC TEXT with
-- microseconds, ids UUID TEXT, states by name.

-- One row per fulfilment order: the units of one order that one location ships.
CREATE TABLE fulfillment_orders (
    id         TEXT PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES orders (id),
    location   TEXT NOT NULL REFERENCES locations (code),
    status     TEXT NOT NULL,
    held_from  TEXT,                  -- while on hold: the state to return to
    reason     TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX fulfillment_orders_by_order ON fulfillment_orders (order_id, id);
-- The fulfilment orders on their way, by id: serves the overdue query, and
-- stays as small as the shipments in flight (a partial index on the promised
-- delivery of shipments not told late would keep every shipment delivered on
-- time forever). Equalities, not IN: SQLite evaluates an IN list in an index
-- condition with a temporary table on every write of a row.
CREATE INDEX fulfillment_orders_in_flight ON fulfillment_orders (id)
    WHERE status = 'shipped' OR status = 'in_transit' OR status = 'out_for_delivery'
       OR status = 'delivery_failed';

-- Its lines, in the order given (position 0, 1, ...).
CREATE TABLE fulfillment_lines (
    fulfillment_id TEXT NOT NULL REFERENCES fulfillment_orders (id),
    position       INTEGER NOT NULL,
    line_id        INTEGER NOT NULL,
    sku            TEXT NOT NULL,
    quantity       INTEGER NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (fulfillment_id, position)
) STRICT, WITHOUT ROWID;

-- Its packages, in the order given; weight and dimensions are exact TEXT.
CREATE TABLE packages (
    fulfillment_id TEXT NOT NULL REFERENCES fulfillment_orders (id),
    position       INTEGER NOT NULL,
    package_id     TEXT NOT NULL,
    weight_kg      TEXT NOT NULL,
    length_cm      TEXT NOT NULL,
    width_cm       TEXT NOT NULL,
    height_cm      TEXT NOT NULL,
    PRIMARY KEY (fulfillment_id, position),
    UNIQUE (fulfillment_id, package_id)
) STRICT, WITHOUT ROWID;

-- What is in each package, in the order given.
CREATE TABLE package_lines (
    fulfillment_id   TEXT NOT NULL,
    package_position INTEGER NOT NULL,
    position         INTEGER NOT NULL,
    line_id          INTEGER NOT NULL,
    quantity         INTEGER NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (fulfillment_id, package_position, position),
    FOREIGN KEY (fulfillment_id, package_position) REFERENCES packages (fulfillment_id, position)
) STRICT, WITHOUT ROWID;

-- The shipment of a shipped fulfilment order: the bought label and what the
-- carrier reported since.
CREATE TABLE shipments (
    fulfillment_id    TEXT PRIMARY KEY REFERENCES fulfillment_orders (id),
    tracking_number   TEXT NOT NULL UNIQUE,
    carrier           TEXT NOT NULL,
    service           TEXT NOT NULL,
    label_reference   TEXT NOT NULL,
    cost              TEXT NOT NULL,
    currency          TEXT NOT NULL,
    shipped_at        TEXT NOT NULL,
    promised_delivery TEXT NOT NULL,
    rejected_quotes   TEXT NOT NULL,    -- JSON list of the quotes that lost
    last_status_at    TEXT,
    delivered_at      TEXT,
    proof             TEXT,             -- JSON delivery proof; NULL: none
    min_temperature_c TEXT,
    max_temperature_c TEXT,
    max_shock_g       TEXT,
    delay_notified    INTEGER NOT NULL CHECK (delay_notified IN (0, 1))
) STRICT, WITHOUT ROWID;

-- Where a SKU is picked from at a location.
CREATE TABLE bins (
    sku      TEXT NOT NULL,
    location TEXT NOT NULL REFERENCES locations (code),
    bin      TEXT NOT NULL,
    PRIMARY KEY (sku, location)
) STRICT, WITHOUT ROWID;

-- Carrier tracking events, in the order received; a carrier event id is
-- stored once per tracking number.
CREATE TABLE tracking_events (
    seq              INTEGER PRIMARY KEY,
    tracking_number  TEXT NOT NULL,
    carrier_event_id TEXT NOT NULL,
    kind             TEXT NOT NULL,
    occurred_at      TEXT NOT NULL,
    location         TEXT,
    description      TEXT,
    proof            TEXT,             -- JSON delivery proof; NULL: none
    received_at      TEXT NOT NULL,
    applied          INTEGER NOT NULL CHECK (applied IN (0, 1)),
    UNIQUE (tracking_number, carrier_event_id)
) STRICT;
CREATE INDEX tracking_events_by_tracking_number ON tracking_events (tracking_number, seq);

-- Sensor readings of shipments, in the order recorded.
CREATE TABLE condition_readings (
    seq             INTEGER PRIMARY KEY,
    tracking_number TEXT NOT NULL,
    kind            TEXT NOT NULL,
    value           TEXT NOT NULL,
    at              TEXT NOT NULL,
    sensor          TEXT
) STRICT;
CREATE INDEX condition_readings_by_tracking_number ON condition_readings (tracking_number, seq);
