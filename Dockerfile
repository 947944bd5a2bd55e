# OPS Desktop container image (docs/DEPLOY.md "Container"). Two stages: build with Rust, run
# as a non-root user in a slim Debian that holds only the binary, CA certificates and pg_dump.
# The root filesystem may be read-only: the process writes only under /var/lib/ops-desktop/data
# (the volume) and, through SQLite, /tmp (mount a tmpfs there).

FROM rust:1.95-bookworm AS build
WORKDIR /src

# Dependencies first, in a layer of their own: it is rebuilt only when Cargo.toml or
# Cargo.lock change, so a change to the code recompiles only this crate. The empty targets
# stand in for the real ones, whose artifacts are then cleaned away.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src tests/it \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs tests/it/main.rs \
 && cargo build --release --locked \
 && cargo clean --release --package ops-desktop \
 && rm -rf src tests

# The build context has no .git (.dockerignore); pass the commit for `ops-desktop --version`:
#   docker build --build-arg OPS_GIT_COMMIT=$(git rev-parse --short=12 HEAD) .
ARG OPS_GIT_COMMIT=""
ENV OPS_GIT_COMMIT=${OPS_GIT_COMMIT}
COPY . .
RUN cargo build --release --locked \
 && install -D -m 0755 target/release/ops-desktop /out/ops-desktop

FROM debian:bookworm-slim
# postgresql-client: pg_dump and pg_restore for backups on PostgreSQL (its major version must
# be at least the server's; see docs/DEPLOY.md).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates postgresql-client \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/ops-desktop --create-home ops \
 && install -d -o ops -g ops -m 0700 /var/lib/ops-desktop/data
COPY --from=build /out/ops-desktop /usr/local/bin/ops-desktop
USER 10001:10001
WORKDIR /var/lib/ops-desktop
ENV OPS_ENV=production \
    BIND_ADDR=0.0.0.0:3000 \
    DATABASE_URL=sqlite:///var/lib/ops-desktop/data/ops-desktop.db \
    OPS_DATA_DIR=/var/lib/ops-desktop/data \
    LOG_FORMAT=json
VOLUME ["/var/lib/ops-desktop/data"]
EXPOSE 3000
# The binary asks its own /readyz: no curl in the image.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["ops-desktop", "healthcheck"]
# SIGTERM (docker stop) finishes in-flight requests and the running job, then exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["ops-desktop"]
CMD ["serve"]
