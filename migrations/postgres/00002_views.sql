-- +goose Up
-- The reporting views of CONTRACT.md. Their names and columns are a public
-- contract: add columns, never rename or remove one. Merged fans are hidden:
-- their history has moved to the fan they were merged into.

-- The current consent per fan and topic: the newest change wins; on a tie the
-- higher status in a fixed order wins, so the answer never depends on the
-- order deliveries arrived in.
CREATE VIEW report_consents AS
SELECT fan_id, email, topic, status, provider, changed_at
FROM (
    SELECT c.fan_id, f.email, c.topic, c.status, c.provider, c.changed_at,
           ROW_NUMBER() OVER (
               PARTITION BY c.fan_id, c.topic
               ORDER BY c.changed_at DESC, c.status DESC, c.provider DESC
           ) AS rn
    FROM consent_changes c
    JOIN fans f ON f.id = c.fan_id
    WHERE f.merged_into IS NULL
) ranked
WHERE rn = 1;

-- people_in: the people admitted, summed over scans but never more than the
-- ticket line's quantity (FIXR does not say whether people_in is per scan or
-- cumulative; the cap makes both readings give the right answer).
CREATE VIEW report_tickets AS
SELECT t.id AS ticket_id,
       t.provider,
       t.external_id AS ticket_reference,
       t.event_id,
       e.name AS event_name,
       t.fan_id,
       f.email,
       t.ticket_type,
       t.quantity,
       t.unit_price_minor,
       t.booking_fee_minor,
       t.currency,
       t.sold_at,
       s.first_scanned_at AS scanned_at,
       CASE
           WHEN s.people_in IS NULL THEN 0
           WHEN t.quantity IS NOT NULL AND s.people_in > t.quantity THEN t.quantity
           ELSE s.people_in
       END AS people_in
FROM tickets t
LEFT JOIN events e ON e.id = t.event_id
LEFT JOIN fans f ON f.id = t.fan_id
LEFT JOIN (
    SELECT ticket_id, MIN(scanned_at) AS first_scanned_at, CAST(SUM(people_in) AS BIGINT) AS people_in
    FROM scans
    GROUP BY ticket_id
) s ON s.ticket_id = t.id;

CREATE VIEW report_fans AS
SELECT f.id AS fan_id,
       f.email,
       f.phone,
       f.first_name,
       f.last_name,
       f.date_of_birth,
       (SELECT c.status FROM report_consents c
         WHERE c.fan_id = f.id AND c.topic = 'marketing') AS marketing_consent,
       (SELECT COUNT(*) FROM tickets t WHERE t.fan_id = f.id) AS tickets,
       (SELECT COUNT(DISTINCT t.event_id) FROM tickets t
         WHERE t.fan_id = f.id AND EXISTS (SELECT 1 FROM scans s WHERE s.ticket_id = t.id)) AS events_attended,
       f.first_seen_at,
       f.last_seen_at
FROM fans f
WHERE f.merged_into IS NULL;

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

CREATE VIEW report_form_entries AS
SELECT fe.activity_id,
       fe.provider,
       fe.fan_id,
       f.email,
       fe.fields_json,
       fe.duration_ms,
       fe.received_at
FROM form_entries fe
LEFT JOIN fans f ON f.id = fe.fan_id;

CREATE VIEW report_deliveries AS
SELECT id AS delivery_id, provider, status, event_type, received_at, processed_at,
       NULLIF(error, '') AS error
FROM deliveries;

-- +goose Down
DROP VIEW report_deliveries;
DROP VIEW report_form_entries;
DROP VIEW report_event_sales;
DROP VIEW report_fans;
DROP VIEW report_tickets;
DROP VIEW report_consents;
