import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startTestServer, withTestServer } from '../support/server-fixture.ts';
import { openSse } from '../support/sse-client.ts';
import { connectWs } from '../support/ws-client.ts';

/** GET with the path sent exactly as written (fetch would normalise `..` away). */
function rawGet(url: string, path: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static web app', () => {
  it('serves files with their content types, falls back to index.html, and never leaves the directory', async () => {
    const root = await mkdtemp(join(tmpdir(), 'confab-static-'));
    const webDir = join(root, 'web');
    await mkdir(join(webDir, 'assets'), { recursive: true });
    await writeFile(join(webDir, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(webDir, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(join(webDir, 'assets', 'app.css'), 'body{}');
    await writeFile(join(webDir, 'assets', 'logo.svg'), '<svg/>');
    await writeFile(join(root, 'secret.txt'), 'do not serve');
    try {
      await withTestServer(
        async (server) => {
          const cases: [string, number, string, string][] = [
            ['/', 200, 'text/html; charset=utf-8', '<!doctype html><title>app</title>'],
            ['/assets/app.js', 200, 'text/javascript; charset=utf-8', 'console.log(1)'],
            ['/assets/app.css', 200, 'text/css; charset=utf-8', 'body{}'],
            ['/assets/logo.svg', 200, 'image/svg+xml', '<svg/>'],
            ['/conversations/conv_1', 200, 'text/html; charset=utf-8', '<!doctype html><title>app</title>'],
          ];
          for (const [path, status, type, body] of cases) {
            const response = await fetch(`${server.url}${path}`);
            assert.equal(response.status, status, path);
            assert.equal(response.headers.get('content-type'), type, path);
            assert.equal(await response.text(), body, path);
          }
          for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%00']) {
            const response = await rawGet(server.url, path);
            assert.notEqual(response.body, 'do not serve', path);
            assert.equal(response.status, 404, path);
          }
          const head = await fetch(`${server.url}/assets/app.js`, { method: 'HEAD' });
          assert.equal(head.status, 200);
          assert.equal(head.headers.get('content-length'), '14');
          const api = await fetch(`${server.url}/v1/unknown`, { headers: server.authHeaders });
          assert.equal(api.status, 404);
          assert.equal((await api.json()).error.code, 'not_found');
        },
        { staticDir: webDir },
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('without a web app, / is a small landing page and other paths are 404', async () => {
    await withTestServer(async (server) => {
      const landing = await fetch(`${server.url}/`);
      assert.equal(landing.status, 200);
      assert.equal(landing.headers.get('content-type'), 'text/html; charset=utf-8');
      const other = await fetch(`${server.url}/elsewhere`);
      assert.equal(other.status, 404);
    });
  });
});

describe('server close', () => {
  it('ends SSE streams, closes WebSockets with 1001, stops accepting, and leaves the hub open', async () => {
    const server = await startTestServer();
    try {
      const sse = await openSse(`${server.url}/v1/conversations/${server.conversationId}/events`, server.authHeaders);
      const client = await connectWs(server.url, server.authHeaders);
      await client.request({ type: 'subscribe', conversationId: server.conversationId });
      const started = Date.now();
      await server.closeServer();
      // Close must not wait for the clients to leave (they never would); the bound is only that.
      assert.ok(Date.now() - started < 10_000, 'closes without waiting for the clients');
      await sse.ended;
      assert.deepEqual(await client.closed, { code: 1001, reason: 'server shutting down' });
      await assert.rejects(fetch(`${server.url}/v1/health`));
      assert.deepEqual((await server.hub.listProjects()).map((project) => project.name), ['demo']);
    } finally {
      await server.close();
    }
  });
});
