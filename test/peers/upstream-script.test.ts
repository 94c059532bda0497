import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startAnthropicUpstream } from './anthropic-upstream.ts';
import { startOpenAIUpstream } from './openai-upstream.ts';
import { splitIntoPieces, type FakeUpstream } from './upstream-script.ts';

const peers = [
  { name: 'openai', start: startOpenAIUpstream, path: '/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: 'Hi' }], stream: true } },
  { name: 'anthropic', start: startAnthropicUpstream, path: '/messages', body: { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }], stream: true } },
];

for (const peer of peers) {
  describe(`scripting the ${peer.name} peer`, () => {
    const post = (upstream: FakeUpstream, signal?: AbortSignal) =>
      fetch(`${upstream.url}${peer.path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test': 'yes' }, body: JSON.stringify(peer.body), signal });
    const textOf = (body: string) => [...body.matchAll(/"(?:content|text)":"([^"]+)"/g)].map((match) => match[1]);

    test('listens on 127.0.0.1 and records each request: method, path, headers, parsed body', async () => {
      const upstream = await peer.start();
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'x' }] });
      await (await post(upstream)).text();
      await upstream.close();
      assert.match(upstream.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      assert.equal(upstream.requests.length, 1);
      const [request] = upstream.requests;
      assert.deepEqual([request.method, request.path, request.headers['x-test'], request.body], ['POST', `/v1${peer.path}`, 'yes', peer.body]);
    });

    test('serves responses in order and answers 500 naming the problem when the script runs out', async () => {
      const upstream = await peer.start();
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'first' }] }, { kind: 'stream', chunks: [{ text: 'second' }] });
      assert.deepEqual(textOf(await (await post(upstream)).text()), ['first']);
      assert.deepEqual(textOf(await (await post(upstream)).text()), ['second']);
      const exhausted = await post(upstream);
      assert.equal(exhausted.status, 500);
      assert.match(await exhausted.text(), /script ran out: no response enqueued for request #3/);
      await upstream.close();
    });

    test('holdAfter stops the stream until release()', async () => {
      const upstream = await peer.start();
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'before' }, { text: 'after' }], holdAfter: 1 });
      const response = await post(upstream);
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let received = '';
      while (!received.includes('before')) received += (await reader.read()).value;
      const pending = reader.read();
      const raced = await Promise.race([pending.then(() => 'data'), new Promise((resolve) => setTimeout(() => resolve('held'), 100))]);
      assert.equal(raced, 'held');
      upstream.release();
      received += (await pending).value;
      for (let next = await reader.read(); !next.done; next = await reader.read()) received += next.value;
      assert.deepEqual(textOf(received), ['before', 'after']);
      assert.equal(upstream.abortedCount, 0);
      await upstream.close();
    });

    test('release() before the stream holds lets the next hold pass', async () => {
      const upstream = await peer.start();
      upstream.release();
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'a' }, { text: 'b' }], holdAfter: 1 });
      assert.deepEqual(textOf(await (await post(upstream)).text()), ['a', 'b']);
      await upstream.close();
    });

    test('a client that goes away while the stream holds is counted in abortedCount', async () => {
      const upstream = await peer.start();
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'a' }, { text: 'b' }], holdAfter: 1 });
      const controller = new AbortController();
      const response = await post(upstream, controller.signal);
      const reader = response.body!.getReader();
      await reader.read();
      controller.abort();
      await upstream.waitForAborts(1);
      assert.equal(upstream.abortedCount, 1);
      await upstream.close();
    });

    test('dropAfter cuts the connection mid-response after the chunks before it', async () => {
      const upstream = await peer.start();
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'a' }, { text: 'b' }, { text: 'c' }], dropAfter: 2 });
      const reader = (await post(upstream)).body!.pipeThrough(new TextDecoderStream()).getReader();
      let received = '';
      const failure = await (async () => {
        try {
          for (let next = await reader.read(); !next.done; next = await reader.read()) received += next.value;
        } catch (error) {
          return error as Error;
        }
      })();
      assert.equal(failure?.message, 'terminated');
      assert.deepEqual(textOf(received), ['a', 'b']);
      assert.equal(upstream.abortedCount, 0, 'a drop the upstream did itself is not a client abort');
      await upstream.close();
    });

    test('delayMs paces the chunks', async () => {
      const upstream = await peer.start();
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'a' }, { text: 'b' }, { text: 'c' }], delayMs: 40 });
      const started = performance.now();
      await (await post(upstream)).text();
      assert.ok(performance.now() - started >= 75, 'two pauses of 40 ms between three chunks');
      await upstream.close();
    });

    test('waitForRequests resolves once that many requests arrived', async () => {
      const upstream = await peer.start();
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'a' }] }, { kind: 'stream', chunks: [{ text: 'b' }] });
      const waiting = upstream.waitForRequests(2);
      await (await post(upstream)).text();
      await (await post(upstream)).text();
      await waiting;
      assert.equal(upstream.requests.length, 2);
      await upstream.close();
    });

    test('close() ends streams that are still holding', async () => {
      const upstream = await peer.start();
      upstream.enqueue({ kind: 'stream', chunks: [{ text: 'a' }], holdAfter: 1 });
      const response = await post(upstream);
      await response.body!.getReader().read();
      await upstream.close();
    });
  });
}

test('splitIntoPieces streams tool arguments in 2–3 pieces', () => {
  assert.deepEqual(splitIntoPieces('{"path":"a.txt"}'), ['{"path', '":"a.t', 'xt"}']);
  assert.deepEqual(splitIntoPieces('{}'), ['{', '}']);
  assert.deepEqual(splitIntoPieces(''), ['']);
});
