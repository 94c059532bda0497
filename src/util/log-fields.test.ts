import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redacted, safeFields } from './log-fields.ts';

describe('safeFields', () => {
  it('redacts secrets and conversation text by key, at any depth, whatever the case or separator', () => {
    const fields = safeFields({
      runId: 'run_1',
      headers: { Authorization: 'Bearer s3cret', cookie: 'confab_token=s3cret', 'X-Api-Key': 'sk-1', accept: 'text/plain' },
      provider: { apiKey: 'sk-2', api_key: 'sk-3', name: 'openai' },
      request: { messages: [{ role: 'user', content: 'hello' }], systemPrompt: 'be nice', prompt: 'p' },
      part: { text: 'hi', delta: 'h' },
      tool: { input: { path: 'a' }, output: 'file text' },
      token: 't',
    });
    assert.deepEqual(fields, {
      runId: 'run_1',
      headers: { Authorization: redacted, cookie: redacted, 'X-Api-Key': redacted, accept: 'text/plain' },
      provider: { apiKey: redacted, api_key: redacted, name: 'openai' },
      request: { messages: redacted, systemPrompt: redacted, prompt: redacted },
      part: { text: redacted, delta: redacted },
      tool: { input: redacted, output: redacted },
      token: redacted,
    });
  });

  it('keeps of an error only its type, message, code, status, stack and cause: never what a library hung on it', () => {
    const cause = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const error = Object.assign(new Error('Bad Request', { cause }), {
      name: 'APICallError',
      statusCode: 400,
      requestBodyValues: { messages: [{ content: 'the user text' }] },
      responseHeaders: { 'set-cookie': 'x' },
      url: 'https://api.example/v1',
    });
    const { error: safe } = safeFields({ error }) as { error: Record<string, unknown> };
    assert.deepEqual(Object.keys(safe), ['type', 'message', 'status', 'stack', 'cause']);
    assert.equal(safe.type, 'APICallError');
    assert.equal(safe.status, 400);
    assert.deepEqual(Object.keys(safe.cause as object), ['type', 'message', 'code', 'stack']);
    assert.ok(!JSON.stringify(safe).includes('the user text'));
  });

  it('scrubs tokens out of URLs and Authorization values inside strings', () => {
    assert.deepEqual(safeFields({ url: 'http://h/?token=abc&after=1', note: 'sent Bearer abc.def to it', other: '/x?api_key=k1#f' }), {
      url: `http://h/?token=${redacted}&after=1`,
      note: `sent Bearer ${redacted} to it`,
      other: `/x?api_key=${redacted}#f`,
    });
  });

  it('bounds a line: long strings are cut, deep values and long lists summarised', () => {
    const fields = safeFields({ long: 'x'.repeat(5_000), deep: { a: { b: { c: { d: 1 } } } }, list: Array.from({ length: 80 }, (_, i) => i) }) as Record<string, any>;
    assert.equal(fields.long, `${'x'.repeat(1_000)}… (5000 chars)`);
    assert.deepEqual(fields.deep, { a: { b: { c: '[object]' } } });
    assert.equal(fields.list.length, 50);
  });
});
