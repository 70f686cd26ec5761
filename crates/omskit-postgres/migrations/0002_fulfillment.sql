-- omskit schema, version 2 (PostgreSQL): fulfilment orders with their
-- lines, packages and shipment; bins; carrier tracking events and sensor
-- readings. The same tables as the SQLite backend. Child rows keep the
-- order of the domain's lists in a `position` column; values stored as
-- JSON are TEXT, as in version 1.

-- Ids are UUIDv7 text, compared byte by byte ("C") so that listing by id
-- is creation order whatever the database's collation.
CREATE TABLE fulfillment_orders (
    id         TEXT COLLATE "C" PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES orders (id),
    location   TEXT NOT NULL REFERENCES locations (code),
    status     TEXT NOT NULL,
    held_from  TEXT,
    reason     TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX fulfillment_orders_by_order ON fulfillment_orders (order_id, id);
-- The fulfilment orders on their way (for the overdue query): few rows
-- at any time, where an index on every shipment ever made would keep
-- growing with delivered ones.
CREATE INDEX fulfillment_orders_in_flight ON fulfillment_orders (id)
    WHERE status IN ('shipped', 'in_transit', 'out_for_delivery', 'delivery_failed');

CREATE TABLE fulfillment_lines (
    fulfillment_id TEXT COLLATE "C" NOT NULL REFERENCES fulfillment_orders (id),
    position       INTEGER NOT NULL,
    line_id        INTEGER NOT NULL,
    sku            TEXT NOT NULL,
    quantity       BIGINT NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (fulfillment_id, position)
);

CREATE TABLE packages (
    fulfillment_id TEXT COLLATE "C" NOT NULL REFERENCES fulfillment_orders (id),
    position       INTEGER NOT NULL,
    package_id     TEXT NOT NULL,
    weight_kg      NUMERIC NOT NULL,
    length_cm      NUMERIC NOT NULL,
    width_cm       NUMERIC NOT NULL,
    height_cm      NUMERIC NOT NULL,
    PRIMARY KEY (fulfillment_id, position),
    UNIQUE (fulfillment_id, package_id)
);

CREATE TABLE package_lines (
    fulfillment_id   TEXT COLLATE "C" NOT NULL,
    package_position INTEGER NOT NULL,
    position         INTEGER NOT NULL,
    line_id          INTEGER NOT NULL,
    quantity         BIGINT NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (fulfillment_id, package_position, position),
    FOREIGN KEY (fulfillment_id, package_position) REFERENCES packages (fulfillment_id, position)
);

-- `proof` is a DeliveryProof as JSON: NULL when there is none, so a proof
-- whose fields are all empty stays distinct from no proof.
CREATE TABLE shipments (
    fulfillment_id    TEXT COLLATE "C" PRIMARY KEY REFERENCES fulfillment_orders (id),
    tracking_number   TEXT NOT NULL,
    carrier           TEXT NOT NULL,
    service           TEXT NOT NULL,
    label_reference   TEXT NOT NULL,
    cost              NUMERIC NOT NULL,
    currency          TEXT NOT NULL,
    shipped_at        TIMESTAMPTZ NOT NULL,
    promised_delivery TIMESTAMPTZ NOT NULL,
    rejected_quotes   TEXT NOT NULL,
    last_status_at    TIMESTAMPTZ,
    delivered_at      TIMESTAMPTZ,
    proof             TEXT,
    min_temperature_c NUMERIC,
    max_temperature_c NUMERIC,
    max_shock_g       NUMERIC,
    delay_notified    BOOLEAN NOT NULL,
    -- Named: its violation is reported as a conflict on `tracking_number`.
    CONSTRAINT shipments_tracking_number_unique UNIQUE (tracking_number)
);

CREATE TABLE bins (
    sku      TEXT NOT NULL,
    location TEXT NOT NULL REFERENCES locations (code),
    bin      TEXT NOT NULL,
    PRIMARY KEY (sku, location)
);

-- Events as carriers send them, in the order received (`seq`); the same
-- carrier event id twice for one tracking number is one event.
CREATE TABLE tracking_events (
    seq              BIGSERIAL PRIMARY KEY,
    tracking_number  TEXT NOT NULL,
    carrier_event_id TEXT NOT NULL,
    kind             TEXT NOT NULL,
    occurred_at      TIMESTAMPTZ NOT NULL,
    location         TEXT,
    description      TEXT,
    proof            TEXT,
    received_at      TIMESTAMPTZ NOT NULL,
    applied          BOOLEAN NOT NULL,
    UNIQUE (tracking_number, carrier_event_id)
);
CREATE INDEX tracking_events_by_tracking_number ON tracking_events (tracking_number, seq);

CREATE TABLE condition_readings (
    seq             BIGSERIAL PRIMARY KEY,
    tracking_number TEXT NOT NULL,
    kind            TEXT NOT NULL,
    value           NUMERIC NOT NULL,
    at              TIMESTAMPTZ NOT NULL,
    sensor          TEXT
);
CREATE INDEX condition_readings_by_tracking_number ON condition_readings (tracking_number, seq);
