# OPS Desktop container image: build in one stage, run as a non-root user in a slim one.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl postgresql-client \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/ops-desktop --create-home ops
COPY --from=build /src/target/release/ops-desktop /usr/local/bin/ops-desktop
USER ops
WORKDIR /var/lib/ops-desktop
ENV OPS_ENV=production \
    BIND_ADDR=0.0.0.0:3000 \
    DATABASE_URL=sqlite:///var/lib/ops-desktop/data/ops-desktop.db \
    LOG_FORMAT=json
VOLUME ["/var/lib/ops-desktop/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:3000/readyz || exit 1
ENTRYPOINT ["ops-desktop"]
CMD ["serve"]
