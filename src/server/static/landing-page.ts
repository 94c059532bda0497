import type { ServerResponse } from 'node:http';

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Confab</title></head>
<body><h1>Confab is running</h1>
<p>The web app is not installed with this server. The API is under <code>/v1</code>; see <code>docs/protocol.md</code>.</p>
</body></html>
`;

/** What `/` shows when no web app directory is configured. */
export function landingPage(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page), 'cache-control': 'no-cache' });
  res.end(page);
}
