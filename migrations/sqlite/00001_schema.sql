-- +goose Up
-- The inbox: every authenticated delivery, raw, before anything else happens.
CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    provider     TEXT NOT NULL,
    dedup_key    TEXT NOT NULL,
    event_type   TEXT NOT NULL DEFAULT '',
    headers      TEXT NOT NULL DEFAULT '{}',
    body         BLOB,
    body_sha256  TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'pending',
    error        TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    received_at  DATETIME NOT NULL,
    processed_at DATETIME,
    purged_at    DATETIME,
    UNIQUE (provider, dedup_key)
);
CREATE INDEX deliveries_pending ON deliveries (id) WHERE status = 'pending';
CREATE INDEX deliveries_status_id ON deliveries (status, id);
CREATE INDEX deliveries_received ON deliveries (received_at);
CREATE INDEX deliveries_provider_id ON deliveries (provider, id);

CREATE TABLE fans (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    email             TEXT,
    phone             TEXT,
    first_name        TEXT,
    last_name         TEXT,
    full_name         TEXT,
    date_of_birth     TEXT,
    gender            TEXT,
    postcode          TEXT,
    country           TEXT,
    language          TEXT,
    -- lower-cased "first last", "last first" and phone digits, for prefix search
    search_name       TEXT NOT NULL DEFAULT '',
    search_name_rev   TEXT NOT NULL DEFAULT '',
    field_times       TEXT NOT NULL DEFAULT '{}',
    first_seen_at     DATETIME NOT NULL,
    last_seen_at      DATETIME NOT NULL,
    merged_into       INTEGER REFERENCES fans (id),
    erased_at         DATETIME,
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL
);
CREATE INDEX fans_email ON fans (email);
CREATE INDEX fans_phone ON fans (phone);
CREATE INDEX fans_search_name ON fans (search_name);
CREATE INDEX fans_search_name_rev ON fans (search_name_rev);
CREATE INDEX fans_merged_into ON fans (merged_into);

-- Every identifier that leads to a fan. Provider ids and emails are unique;
-- a phone may be shared by several fans (families share phones).
CREATE TABLE fan_identities (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    fan_id        INTEGER NOT NULL REFERENCES fans (id),
    kind          TEXT NOT NULL,
    value         TEXT NOT NULL,
    provider      TEXT NOT NULL,
    first_seen_at DATETIME NOT NULL,
    UNIQUE (kind, value, fan_id)
);
CREATE UNIQUE INDEX fan_identities_unique_strong ON fan_identities (kind, value) WHERE kind <> 'phone';
CREATE INDEX fan_identities_fan ON fan_identities (fan_id);

CREATE TABLE fan_merges (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    from_fan_id INTEGER NOT NULL,
    into_fan_id INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    delivery_id INTEGER,
    merged_at   DATETIME NOT NULL
);
CREATE INDEX fan_merges_into ON fan_merges (into_fan_id);

-- Hashes of an erased fan's identifiers: a replay or redelivery of a delivery
-- older than the erasure never brings them back.
CREATE TABLE suppressions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    value_hash TEXT NOT NULL,
    erased_at  DATETIME NOT NULL,
    UNIQUE (kind, value_hash)
);

CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    provider    TEXT NOT NULL,
    external_id TEXT NOT NULL,
    account_id  TEXT,
    name        TEXT,
    status      TEXT,
    capacity    INTEGER,
    category    TEXT,
    url         TEXT,
    venue_name  TEXT,
    city        TEXT,
    country     TEXT,
    timezone    TEXT,
    opens_at    DATETIME,
    closes_at   DATETIME,
    field_times TEXT NOT NULL DEFAULT '{}',
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    UNIQUE (provider, external_id)
);

CREATE TABLE orders (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    provider     TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    event_id     INTEGER REFERENCES events (id),
    fan_id       INTEGER REFERENCES fans (id),
    sold_at      DATETIME,
    promo_code   TEXT,
    ticket_count INTEGER,
    url          TEXT,
    field_times  TEXT NOT NULL DEFAULT '{}',
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    UNIQUE (provider, external_id)
);
CREATE INDEX orders_event ON orders (event_id);
CREATE INDEX orders_fan ON orders (fan_id);

-- One ticket line: FIXR ticket_reference (with a quantity), Tikkl ticketId.
CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    provider          TEXT NOT NULL,
    external_id       TEXT NOT NULL,
    event_id          INTEGER REFERENCES events (id),
    order_id          INTEGER REFERENCES orders (id),
    fan_id            INTEGER REFERENCES fans (id),
    ticket_type       TEXT,
    ticket_type_id    TEXT,
    quantity          INTEGER,
    unit_price_minor  INTEGER,
    booking_fee_minor INTEGER,
    currency          TEXT,
    sold_at           DATETIME,
    field_times       TEXT NOT NULL DEFAULT '{}',
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    UNIQUE (provider, external_id)
);
CREATE INDEX tickets_event ON tickets (event_id);
CREATE INDEX tickets_fan ON tickets (fan_id);
CREATE INDEX tickets_order ON tickets (order_id);

CREATE TABLE scans (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id),
    provider     TEXT NOT NULL,
    scanned_at   DATETIME NOT NULL,
    people_in    INTEGER NOT NULL DEFAULT 0,
    entry_status TEXT,
    delivery_id  INTEGER,
    UNIQUE (ticket_id, scanned_at)
);

-- The consent ledger: every observed consent state with its source.
CREATE TABLE consent_changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    fan_id      INTEGER NOT NULL REFERENCES fans (id),
    topic       TEXT NOT NULL,
    status      TEXT NOT NULL,
    provider    TEXT NOT NULL,
    source      TEXT NOT NULL,
    delivery_id INTEGER,
    detail      TEXT NOT NULL DEFAULT '{}',
    changed_at  DATETIME NOT NULL
);
CREATE INDEX consent_changes_fan_topic ON consent_changes (fan_id, topic, changed_at);
CREATE INDEX consent_changes_delivery ON consent_changes (delivery_id);

CREATE TABLE form_entries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    provider    TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    fan_id      INTEGER REFERENCES fans (id),
    fields_json TEXT NOT NULL DEFAULT '{}',
    duration_ms INTEGER,
    received_at DATETIME NOT NULL,
    delivery_id INTEGER,
    UNIQUE (provider, activity_id)
);
CREATE INDEX form_entries_fan ON form_entries (fan_id);

CREATE TABLE vibes_lists (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id     TEXT NOT NULL UNIQUE,
    name        TEXT,
    url         TEXT,
    field_times TEXT NOT NULL DEFAULT '{}'
);

-- Which deliveries touched which fan: the fan's timeline and erasure.
CREATE TABLE fan_deliveries (
    fan_id      INTEGER NOT NULL REFERENCES fans (id),
    delivery_id INTEGER NOT NULL,
    PRIMARY KEY (fan_id, delivery_id)
);
CREATE INDEX fan_deliveries_delivery ON fan_deliveries (delivery_id);

-- +goose Down
DROP TABLE fan_deliveries;
DROP TABLE vibes_lists;
DROP TABLE form_entries;
DROP TABLE consent_changes;
DROP TABLE scans;
DROP TABLE tickets;
DROP TABLE orders;
DROP TABLE events;
DROP TABLE suppressions;
DROP TABLE fan_merges;
DROP TABLE fan_identities;
DROP TABLE fans;
DROP TABLE deliveries;
