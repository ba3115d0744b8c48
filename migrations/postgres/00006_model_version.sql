-- +goose Up
-- SQLite's 00006 adds model_version, which its worker checks to apply
-- batches on a read snapshot. PostgreSQL's workers hold an advisory lock
-- instead (sync/resolve_locks.go). This empty step keeps both dialects at
-- the same version.
SELECT 1;

-- +goose Down
SELECT 1;
