-- +goose Up
-- The admin page: its users, server-side sessions, sign-in throttling and the
-- audit log of admin actions.
CREATE TABLE admin_users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

-- id_hash is the SHA-256 of the session id the cookie carries: a copy of the
-- database does not hold usable session ids.
CREATE TABLE admin_sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    remote_addr  TEXT NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    last_seen_at DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL
);
CREATE INDEX admin_sessions_user ON admin_sessions (user_id);
CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);

-- One row per failed sign-in; key is "addr:<ip>" or "user:<name>". Rows
-- older than the throttle window are deleted, so nobody is locked out for good.
CREATE TABLE login_failures (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    key       TEXT NOT NULL,
    failed_at DATETIME NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, failed_at);

-- Never holds a fan's personal data: targets are ids.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          DATETIME NOT NULL,
    username    TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    remote_addr TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);

-- The fan search's prefix ranges (col >= lo AND col < hi, in (value, id)
-- order) seek the plain indexes of 00001: SQLite compares text bytewise and
-- every index carries the rowid. The dashboard's chart reads this one.
CREATE INDEX deliveries_received_provider ON deliveries (received_at, provider);

-- +goose Down
DROP INDEX deliveries_received_provider;
DROP TABLE audit_log;
DROP TABLE login_failures;
DROP TABLE admin_sessions;
DROP TABLE admin_users;
