# syntax=docker/dockerfile:1

# Build: SQLite's driver uses cgo, so the binary links glibc; the runtime
# image is the same Debian release, so the two agree.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=1 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/fanhook ./cmd/fanhook

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 fanhook \
 && useradd --system --uid 10001 --gid fanhook --home-dir /data --shell /usr/sbin/nologin fanhook \
 && mkdir -p /data \
 && chown fanhook:fanhook /data
COPY --from=build /out/fanhook /usr/local/bin/fanhook
USER fanhook:fanhook
WORKDIR /data
VOLUME /data
ENV FANHOOK_ADDR=:8080 \
    FANHOOK_DATABASE_URL=sqlite:/data/fanhook.db
EXPOSE 8080
# fanhook shuts down gracefully on SIGTERM (docker stop).
STOPSIGNAL SIGTERM
ENTRYPOINT ["fanhook"]
CMD ["serve"]
