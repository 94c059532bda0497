import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ConfabClientError } from './client-error.ts';
import { Http } from './http.ts';

/** A server that resets the connection of the first `resets` requests, then answers `{ ok: true }`. */
async function resettingServer(resets: number): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.method ?? '');
    if (requests.length <= resets) return void req.socket.resetAndDestroy();
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('Http.send on a reset connection', () => {
  it('sends an idempotent request once more (a kept-alive connection closed as it was reused)', async () => {
    const server = await resettingServer(1);
    try {
      const http = new Http({ url: server.url });
      assert.deepEqual(await http.json('GET', '/v1/things'), { ok: true });
      assert.deepEqual(server.requests, ['GET', 'GET']);
    } finally {
      await server.close();
    }
  });

  it('does not send it a third time, and never resends a POST', async () => {
    const server = await resettingServer(2);
    try {
      const http = new Http({ url: server.url });
      await assert.rejects(http.json('GET', '/v1/things'), (error) => error instanceof ConfabClientError && error.code === 'network');
      assert.deepEqual(server.requests, ['GET', 'GET']);
      server.requests.length = 0;
      await assert.rejects(http.json('POST', '/v1/things', { body: { a: 1 } }), (error) => error instanceof ConfabClientError && error.code === 'network');
      assert.deepEqual(server.requests, ['POST']);
    } finally {
      await server.close();
    }
  });
});
