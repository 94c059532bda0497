import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createHttpPost, readText } from './http-post.ts';

describe('lean HTTP post', () => {
  let server: Server;
  let url: URL;
  const ports: number[] = [];
  before(async () => {
    server = createServer((req, res) => {
      ports.push(req.socket.remotePort!);
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        res.writeHead(req.url === '/big' ? 500 : 200, { 'content-type': 'text/plain', 'x-echo': req.headers['x-team'] ?? '' });
        res.end(req.url === '/big' ? 'x'.repeat(5000) : `got ${body}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`);
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('posts the body with its headers and hands back status, lower-cased headers and the body', async () => {
    const post = createHttpPost();
    const response = await post({ url, headers: { 'X-Team': 'core' }, body: '{"a":1}', signal: new AbortController().signal });
    assert.deepEqual([response.status, response.headers['x-echo'], await readText(response.body)], [200, 'core', 'got {"a":1}']);
  });

  test('a second request reuses the kept-alive socket of the first', async () => {
    const post = createHttpPost();
    ports.length = 0;
    for (let i = 0; i < 2; i++) await readText((await post({ url, headers: {}, body: '', signal: new AbortController().signal })).body);
    assert.equal(ports.length, 2);
    assert.equal(ports[0], ports[1]);
  });

  test('an error body is read up to the bound, and no further', async () => {
    const post = createHttpPost();
    const response = await post({ url: new URL('/big', url), headers: {}, body: '', signal: new AbortController().signal });
    assert.equal(response.status, 500);
    assert.equal(await readText(response.body, 1000), 'x'.repeat(1000));
  });

  test('an aborted signal rejects the post', async () => {
    await assert.rejects(createHttpPost()({ url, headers: {}, body: '', signal: AbortSignal.abort() }), { name: 'AbortError' });
  });
});
