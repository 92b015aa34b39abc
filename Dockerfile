# The service for docker-compose.yml. NocoDB runs in its own container there, so the
# NocoDB package's native sqlite3 is not built here.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY --chown=node:node . .
ENV NODE_ENV=production
# Not root: the image's own user (uid 1000).
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "service/main.ts"]
