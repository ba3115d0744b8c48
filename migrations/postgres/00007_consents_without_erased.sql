-- +goose Up
-- An erased fan is no longer anyone's to contact: their consent ledger
-- stays (statuses and times, the proof of what they had agreed to), but
-- their current consent leaves report_consents, and so report_fans'
-- marketing_consent is NULL for them. Counting opt-ins counted the erased.
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
    WHERE f.merged_into IS NULL
) ranked
WHERE rn = 1;
