-- +goose Up
-- Back to 00002's report_event_sales: tickets_sold sums the quantities of
-- an order's ticket lines once any came, as the contract words it, and
-- counts a Tikkl transaction's ticketCount only while none did. 00009 also
-- counted the tickets an order's lines did not show yet, so the documented
-- Tikkl transaction (ticketCount 2) with its one documented ticket showed 2
-- tickets sold beside one line in report_tickets. Tikkl sends a ticket
-- webhook per ticket within moments of its transaction: the dip that 00009
-- smoothed lasts that long.
DROP VIEW report_event_sales;
CREATE VIEW report_event_sales AS
SELECT e.id AS event_id,
       e.provider,
       e.external_id AS external_event_id,
       e.name AS event_name,
       e.status,
       s.currency,
       COALESCE(s.orders, 0) AS orders,
       COALESCE(s.tickets_sold, 0) AS tickets_sold,
       COALESCE(s.face_value_minor, 0) AS face_value_minor,
       COALESCE(s.booking_fee_minor, 0) AS booking_fee_minor,
       COALESCE(s.tickets_scanned, 0) AS tickets_scanned,
       COALESCE(s.people_in, 0) AS people_in
FROM events e
LEFT JOIN (
    SELECT t.event_id,
           t.currency,
           COUNT(DISTINCT t.order_id) AS orders,
           CAST(SUM(COALESCE(t.quantity, 0)) AS BIGINT) AS tickets_sold,
           CAST(SUM(COALESCE(t.unit_price_minor, 0) * COALESCE(t.quantity, 0)) AS BIGINT) AS face_value_minor,
           CAST(SUM(COALESCE(t.booking_fee_minor, 0) * COALESCE(t.quantity, 0)) AS BIGINT) AS booking_fee_minor,
           CAST(SUM(CASE WHEN t.scanned_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS tickets_scanned,
           CAST(SUM(t.people_in) AS BIGINT) AS people_in
    FROM (
        SELECT tk.event_id, tk.currency, tk.order_id, tk.quantity,
               tk.unit_price_minor, tk.booking_fee_minor, rt.scanned_at, rt.people_in
        FROM tickets tk
        JOIN report_tickets rt ON rt.ticket_id = tk.id
        UNION ALL
        -- An order known without its ticket lines (a Tikkl transaction
        -- whose ticket webhooks are off) still counts, with its ticket count.
        SELECT o.event_id, NULL, o.id, o.ticket_count, NULL, NULL, NULL, 0
        FROM orders o
        WHERE NOT EXISTS (SELECT 1 FROM tickets x WHERE x.order_id = o.id)
    ) t
    GROUP BY t.event_id, t.currency
) s ON s.event_id = e.id;

-- +goose Down
DROP VIEW report_event_sales;
CREATE VIEW report_event_sales AS
SELECT e.id AS event_id,
       e.provider,
       e.external_id AS external_event_id,
       e.name AS event_name,
       e.status,
       s.currency,
       COALESCE(s.orders, 0) AS orders,
       COALESCE(s.tickets_sold, 0) AS tickets_sold,
       COALESCE(s.face_value_minor, 0) AS face_value_minor,
       COALESCE(s.booking_fee_minor, 0) AS booking_fee_minor,
       COALESCE(s.tickets_scanned, 0) AS tickets_scanned,
       COALESCE(s.people_in, 0) AS people_in
FROM events e
LEFT JOIN (
    SELECT t.event_id,
           t.currency,
           COUNT(DISTINCT t.order_id) AS orders,
           CAST(SUM(COALESCE(t.quantity, 0)) AS BIGINT) AS tickets_sold,
           CAST(SUM(COALESCE(t.unit_price_minor, 0) * COALESCE(t.quantity, 0)) AS BIGINT) AS face_value_minor,
           CAST(SUM(COALESCE(t.booking_fee_minor, 0) * COALESCE(t.quantity, 0)) AS BIGINT) AS booking_fee_minor,
           CAST(SUM(CASE WHEN t.scanned_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS tickets_scanned,
           CAST(SUM(t.people_in) AS BIGINT) AS people_in
    FROM (
        SELECT tk.event_id, tk.currency, tk.order_id, tk.quantity,
               tk.unit_price_minor, tk.booking_fee_minor, rt.scanned_at, rt.people_in
        FROM tickets tk
        JOIN report_tickets rt ON rt.ticket_id = tk.id
        UNION ALL
        -- An order counts the tickets its lines do not show yet: all of
        -- its ticket count while no line came (a Tikkl transaction whose
        -- ticket webhooks are off), the rest while only some came.
        SELECT o.event_id, NULL, o.id,
               o.ticket_count - COALESCE((SELECT SUM(COALESCE(x.quantity, 0)) FROM tickets x
                                          WHERE x.order_id = o.id), 0),
               NULL, NULL, NULL, 0
        FROM orders o
        WHERE NOT EXISTS (SELECT 1 FROM tickets x WHERE x.order_id = o.id)
           OR (o.ticket_count IS NOT NULL
               AND o.ticket_count > (SELECT SUM(COALESCE(x.quantity, 0)) FROM tickets x
                                     WHERE x.order_id = o.id))
    ) t
    GROUP BY t.event_id, t.currency
) s ON s.event_id = e.id;
