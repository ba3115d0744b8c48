-- +goose Up
-- The admin page: its users, server-side sessions, sign-in throttling and the
-- audit log of admin actions.
CREATE TABLE admin_users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- id_hash is the SHA-256 of the session id the cookie carries: a copy of the
-- database does not hold usable session ids.
CREATE TABLE admin_sessions (
    id_hash      TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    remote_addr  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX admin_sessions_user ON admin_sessions (user_id);
CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);

-- One row per failed sign-in; key is "addr:<ip>" or "user:<name>". Rows
-- older than the throttle window are deleted, so nobody is locked out for good.
CREATE TABLE login_failures (
    id        BIGSERIAL PRIMARY KEY,
    key       TEXT NOT NULL,
    failed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, failed_at);

-- Never holds a fan's personal data: targets are ids.
CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    username    TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    remote_addr TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);

-- The fan search seeks prefix ranges (col >= lo AND col < hi) in (value, id)
-- order. Byte order ("C" collation) makes a prefix exactly one range whatever
-- the database's own collation; the search compares with COLLATE "C" too.
CREATE INDEX fans_email_c ON fans (email COLLATE "C", id) WHERE merged_into IS NULL;
CREATE INDEX fans_phone_c ON fans (phone COLLATE "C", id) WHERE merged_into IS NULL;
CREATE INDEX fans_search_name_c ON fans (search_name COLLATE "C", id) WHERE merged_into IS NULL;
CREATE INDEX fans_search_name_rev_c ON fans (search_name_rev COLLATE "C", id) WHERE merged_into IS NULL;
CREATE INDEX deliveries_received_provider ON deliveries (received_at, provider);

-- +goose Down
DROP INDEX deliveries_received_provider;
DROP INDEX fans_search_name_rev_c;
DROP INDEX fans_search_name_c;
DROP INDEX fans_phone_c;
DROP INDEX fans_email_c;
DROP TABLE audit_log;
DROP TABLE login_failures;
DROP TABLE admin_sessions;
DROP TABLE admin_users;
