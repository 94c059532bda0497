import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRateUpstream } from './rate-upstream.ts';
import { formatSpec } from './stream-spec.ts';
import { decodeBits, indexOfBits, latencyOfBits, nowMs } from './token-code.ts';

test('the upstream streams OpenAI chunks on schedule, in bursts when asked, and keeps the exact text', async () => {
  const upstream = await startRateUpstream();
  try {
    const sentAt = nowMs();
    const response = await fetch(`${upstream.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: formatSpec({ key: 'k1', tokens: 6, rate: 100, size: 4, burst: 2, firstTokenMs: 0, sentAt }) }] }),
    });
    const body = await response.text();
    const contents = [...body.matchAll(/"content":"([^"]*)"/g)].map((match) => match[1]).filter(Boolean);
    assert.equal(contents.length, 6);
    assert.deepEqual(contents.map((token) => indexOfBits(decodeBits(token, 0))), [0, 1, 2, 3, 4, 5]);
    // Bursts of two: tokens 0,1 due at the send time, 2,3 at +20 ms, 4,5 at +40 ms.
    const dueOffsets = contents.map((token) => Math.round(1000 - latencyOfBits(decodeBits(token, 0), sentAt + 1000)) + 0);
    assert.deepEqual(dueOffsets, [0, 0, 20, 20, 40, 40]);
    assert.ok(body.endsWith('data: [DONE]\n\n'));
    assert.equal(await (await fetch(`${upstream.url}/bench/text/k1`)).text(), contents.join(''));
  } finally {
    await upstream.close();
  }
});
