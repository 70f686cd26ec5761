-- omskit schema, version 3: fulfilment orders awaiting stock (`pending`),
-- listed oldest first for allocation once stock arrives. A partial index:
-- only the few pending rows, not every fulfilment order ever made.
CREATE INDEX fulfillment_orders_pending ON fulfillment_orders (id) WHERE status = 'pending';
