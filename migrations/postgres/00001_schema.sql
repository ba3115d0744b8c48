-- +goose Up
-- The inbox: every authenticated delivery, raw, before anything else happens.
CREATE TABLE deliveries (
    id           BIGSERIAL PRIMARY KEY,
    provider     TEXT NOT NULL,
    dedup_key    TEXT NOT NULL,
    event_type   TEXT NOT NULL DEFAULT '',
    headers      TEXT NOT NULL DEFAULT '{}',
    body         BYTEA,
    body_sha256  TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'pending',
    error        TEXT NOT NULL DEFAULT '',
    attempts     BIGINT NOT NULL DEFAULT 0,
    received_at  TIMESTAMPTZ NOT NULL,
    processed_at TIMESTAMPTZ,
    purged_at    TIMESTAMPTZ,
    UNIQUE (provider, dedup_key)
);
CREATE INDEX deliveries_pending ON deliveries (id) WHERE status = 'pending';
CREATE INDEX deliveries_status_id ON deliveries (status, id);
CREATE INDEX deliveries_received ON deliveries (received_at);
CREATE INDEX deliveries_provider_id ON deliveries (provider, id);

CREATE TABLE fans (
    id                BIGSERIAL PRIMARY KEY,
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
    first_seen_at     TIMESTAMPTZ NOT NULL,
    last_seen_at      TIMESTAMPTZ NOT NULL,
    merged_into       BIGINT REFERENCES fans (id),
    erased_at         TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX fans_email ON fans (email);
CREATE INDEX fans_phone ON fans (phone);
CREATE INDEX fans_search_name ON fans (search_name);
CREATE INDEX fans_search_name_rev ON fans (search_name_rev);
CREATE INDEX fans_merged_into ON fans (merged_into);

-- Every identifier that leads to a fan. Provider ids and emails are unique;
-- a phone may be shared by several fans (families share phones).
CREATE TABLE fan_identities (
    id            BIGSERIAL PRIMARY KEY,
    fan_id        BIGINT NOT NULL REFERENCES fans (id),
    kind          TEXT NOT NULL,
    value         TEXT NOT NULL,
    provider      TEXT NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    UNIQUE (kind, value, fan_id)
);
CREATE UNIQUE INDEX fan_identities_unique_strong ON fan_identities (kind, value) WHERE kind <> 'phone';
CREATE INDEX fan_identities_fan ON fan_identities (fan_id);

CREATE TABLE fan_merges (
    id          BIGSERIAL PRIMARY KEY,
    from_fan_id BIGINT NOT NULL,
    into_fan_id BIGINT NOT NULL,
    reason      TEXT NOT NULL,
    delivery_id BIGINT,
    merged_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX fan_merges_into ON fan_merges (into_fan_id);

-- Hashes of an erased fan's identifiers: a replay or redelivery of a delivery
-- older than the erasure never brings them back.
CREATE TABLE suppressions (
    id         BIGSERIAL PRIMARY KEY,
    kind       TEXT NOT NULL,
    value_hash TEXT NOT NULL,
    erased_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (kind, value_hash)
);

CREATE TABLE events (
    id          BIGSERIAL PRIMARY KEY,
    provider    TEXT NOT NULL,
    external_id TEXT NOT NULL,
    account_id  TEXT,
    name        TEXT,
    status      TEXT,
    capacity    BIGINT,
    category    TEXT,
    url         TEXT,
    venue_name  TEXT,
    city        TEXT,
    country     TEXT,
    timezone    TEXT,
    opens_at    TIMESTAMPTZ,
    closes_at   TIMESTAMPTZ,
    field_times TEXT NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (provider, external_id)
);

CREATE TABLE orders (
    id           BIGSERIAL PRIMARY KEY,
    provider     TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    event_id     BIGINT REFERENCES events (id),
    fan_id       BIGINT REFERENCES fans (id),
    sold_at      TIMESTAMPTZ,
    promo_code   TEXT,
    ticket_count BIGINT,
    url          TEXT,
    field_times  TEXT NOT NULL DEFAULT '{}',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (provider, external_id)
);
CREATE INDEX orders_event ON orders (event_id);
CREATE INDEX orders_fan ON orders (fan_id);

-- One ticket line: FIXR ticket_reference (with a quantity), Tikkl ticketId.
CREATE TABLE tickets (
    id                BIGSERIAL PRIMARY KEY,
    provider          TEXT NOT NULL,
    external_id       TEXT NOT NULL,
    event_id          BIGINT REFERENCES events (id),
    order_id          BIGINT REFERENCES orders (id),
    fan_id            BIGINT REFERENCES fans (id),
    ticket_type       TEXT,
    ticket_type_id    TEXT,
    quantity          BIGINT,
    unit_price_minor  BIGINT,
    booking_fee_minor BIGINT,
    currency          TEXT,
    sold_at           TIMESTAMPTZ,
    field_times       TEXT NOT NULL DEFAULT '{}',
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    UNIQUE (provider, external_id)
);
CREATE INDEX tickets_event ON tickets (event_id);
CREATE INDEX tickets_fan ON tickets (fan_id);
CREATE INDEX tickets_order ON tickets (order_id);

CREATE TABLE scans (
    id           BIGSERIAL PRIMARY KEY,
    ticket_id    BIGINT NOT NULL REFERENCES tickets (id),
    provider     TEXT NOT NULL,
    scanned_at   TIMESTAMPTZ NOT NULL,
    people_in    BIGINT NOT NULL DEFAULT 0,
    entry_status TEXT,
    delivery_id  BIGINT,
    UNIQUE (ticket_id, scanned_at)
);

-- The consent ledger: every observed consent state with its source.
CREATE TABLE consent_changes (
    id          BIGSERIAL PRIMARY KEY,
    fan_id      BIGINT NOT NULL REFERENCES fans (id),
    topic       TEXT NOT NULL,
    status      TEXT NOT NULL,
    provider    TEXT NOT NULL,
    source      TEXT NOT NULL,
    delivery_id BIGINT,
    detail      TEXT NOT NULL DEFAULT '{}',
    changed_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX consent_changes_fan_topic ON consent_changes (fan_id, topic, changed_at);
CREATE INDEX consent_changes_delivery ON consent_changes (delivery_id);

CREATE TABLE form_entries (
    id          BIGSERIAL PRIMARY KEY,
    provider    TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    fan_id      BIGINT REFERENCES fans (id),
    fields_json TEXT NOT NULL DEFAULT '{}',
    duration_ms BIGINT,
    received_at TIMESTAMPTZ NOT NULL,
    delivery_id BIGINT,
    UNIQUE (provider, activity_id)
);
CREATE INDEX form_entries_fan ON form_entries (fan_id);

CREATE TABLE vibes_lists (
    id          BIGSERIAL PRIMARY KEY,
    list_id     TEXT NOT NULL UNIQUE,
    name        TEXT,
    url         TEXT,
    field_times TEXT NOT NULL DEFAULT '{}'
);

-- Which deliveries touched which fan: the fan's timeline and erasure.
CREATE TABLE fan_deliveries (
    fan_id      BIGINT NOT NULL REFERENCES fans (id),
    delivery_id BIGINT NOT NULL,
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
