// Runs the real NocoDB backend (npm package `nocodb`) in a child process of the stack, so
// that its event loop and memory never compete with the webhook receivers. Configured
// entirely through the environment NocoDB reads (NC_DB, PORT, NC_AUTH_JWT_SECRET, ...),
// set by nocodb/server.ts. Tells the parent "ready" over IPC once it listens.
const http = require('node:http');
const express = require('nocodb/node_modules/express');
const { Noco } = require('nocodb');

async function main() {
  const app = express();
  const server = http.createServer(app);
  app.use(await Noco.init({}, server, app));
  const port = Number(process.env.PORT);
  server.listen(port, process.env.NC_HOST || '127.0.0.1', () => process.send?.({ ready: true, port }));
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
}

main().catch((e) => {
  console.error('NocoDB failed to start:', e);
  process.exit(1);
});
