-- +goose Up
-- model_version counts the transactions that wrote the unified model. The
-- worker applies a batch on a read snapshot, outside the one writer
-- connection, and takes the writer only to write the result: it keeps the
-- result only if the count is still the one its snapshot saw, that is if
-- no other writer of the model (an erasure, a replay, an import in another
-- process) committed in between (sync/batch_snapshot.go).
CREATE TABLE model_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO model_version (id, version) VALUES (1, 0);

-- +goose Down
DROP TABLE model_version;
