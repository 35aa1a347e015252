# leakhound's GitHub App server. Two stages: the first builds the package from the lockfile and
# packs it (as `npm pack` does for a release); the second installs that tarball with runtime
# dependencies only and runs it as the unprivileged `node` user. test/package.test.ts performs the
# same steps without Docker (pack, install --omit=dev, start, /ping, /ready, SIGTERM).
#
#   docker build -t leakhound .
#   docker run --env-file .env -p 3000:3000 -v leakhound-state:/var/lib/leakhound leakhound

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm pack --pack-destination /pkg

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    LEAKHOUND_STATE_DIR=/var/lib/leakhound
COPY --from=build /pkg /pkg
RUN npm install --global --omit=dev --no-audit --no-fund /pkg/leakhound-*.tgz \
    && rm -rf /pkg /root/.npm \
    && mkdir -p /var/lib/leakhound && chown node:node /var/lib/leakhound
USER node
WORKDIR /home/node
VOLUME /var/lib/leakhound
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/ping').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# SIGTERM: in-flight runs get LEAKHOUND_SHUTDOWN_GRACE_MS (20 s), then their check runs are completed.
STOPSIGNAL SIGTERM
CMD ["leakhound-server"]
