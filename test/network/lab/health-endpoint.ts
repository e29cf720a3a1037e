// A node's health endpoint for the network test, run inside the node's namespace:
// `node health-endpoint.ts <host> <port>`. Answers every GET at once with 200; the test stops
// the process for an outage and starts it again, so "down" is a server that is really gone.
import { createServer } from 'node:http';

const [host, portText] = process.argv.slice(2);
const port = Number(portText);
if (host === undefined || !Number.isInteger(port) || port <= 0 || port > 65_535) {
  console.error('usage: node health-endpoint.ts <host> <port 1-65535>');
  process.exit(2);
}
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
});
server.listen(port, host, () => console.log(`listening on http://${host}:${port}`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
