-- +goose Up
-- deliveries_received_provider (00003) starts with received_at, so it
-- serves every range on received_at (the dashboard's chart, purge) that
-- this one did; every delivery stored paid for both.
DROP INDEX deliveries_received;

-- +goose Down
CREATE INDEX deliveries_received ON deliveries (received_at);
