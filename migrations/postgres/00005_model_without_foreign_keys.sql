-- +goose Up
-- The model's foreign keys cost PostgreSQL a trigger and a row lock on the
-- parent for every row the normalizer writes: ~20 % of its time in a batch
-- (BenchmarkNormalize 8,500-8,700/s without them against 6,900-7,200/s
-- with them, alternated). They guarded against nothing the code can do:
-- no fan, event, order or ticket is ever deleted (an erased fan is blanked,
-- a merged one stays as a tombstone), and every id written is one the same
-- transaction read or created under the model lock. SQLite keeps them, at
-- little cost, so the test suite, which runs every normalization on both
-- databases, still fails on a dangling id.
ALTER TABLE fans DROP CONSTRAINT fans_merged_into_fkey;
ALTER TABLE fan_identities DROP CONSTRAINT fan_identities_fan_id_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_event_id_fkey, DROP CONSTRAINT orders_fan_id_fkey;
ALTER TABLE tickets DROP CONSTRAINT tickets_event_id_fkey, DROP CONSTRAINT tickets_order_id_fkey,
    DROP CONSTRAINT tickets_fan_id_fkey;
ALTER TABLE scans DROP CONSTRAINT scans_ticket_id_fkey;
ALTER TABLE consent_changes DROP CONSTRAINT consent_changes_fan_id_fkey;
ALTER TABLE form_entries DROP CONSTRAINT form_entries_fan_id_fkey;
ALTER TABLE fan_deliveries DROP CONSTRAINT fan_deliveries_fan_id_fkey;

-- +goose Down
ALTER TABLE fans ADD CONSTRAINT fans_merged_into_fkey FOREIGN KEY (merged_into) REFERENCES fans (id);
ALTER TABLE fan_identities ADD CONSTRAINT fan_identities_fan_id_fkey FOREIGN KEY (fan_id) REFERENCES fans (id);
ALTER TABLE orders ADD CONSTRAINT orders_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id),
    ADD CONSTRAINT orders_fan_id_fkey FOREIGN KEY (fan_id) REFERENCES fans (id);
ALTER TABLE tickets ADD CONSTRAINT tickets_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id),
    ADD CONSTRAINT tickets_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id),
    ADD CONSTRAINT tickets_fan_id_fkey FOREIGN KEY (fan_id) REFERENCES fans (id);
ALTER TABLE scans ADD CONSTRAINT scans_ticket_id_fkey FOREIGN KEY (ticket_id) REFERENCES tickets (id);
ALTER TABLE consent_changes ADD CONSTRAINT consent_changes_fan_id_fkey FOREIGN KEY (fan_id) REFERENCES fans (id);
ALTER TABLE form_entries ADD CONSTRAINT form_entries_fan_id_fkey FOREIGN KEY (fan_id) REFERENCES fans (id);
ALTER TABLE fan_deliveries ADD CONSTRAINT fan_deliveries_fan_id_fkey FOREIGN KEY (fan_id) REFERENCES fans (id);
