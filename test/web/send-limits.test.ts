/**
 * The web composer's size check says what the server would say, at the server's limits (no browser:
 * web/src/lib/send-limits.ts is plain logic).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultLimits } from '../../src/engine/hub-options.ts';
import { validateSendInput } from '../../src/engine/validate.ts';
import { resolveContext } from '../../src/tools/context.ts';
import { sendLimits, sendSizeProblem } from '../../web/src/lib/send-limits.ts';

const serverRefusal = async (content: string, context: { path: string; content: string }[], limits = defaultLimits): Promise<string | null> => {
  try {
    validateSendInput({ content, context }, limits);
    await resolveContext('/nonexistent', context, { newId: () => 'part', maxBytes: limits.maxContextBytes });
    return null;
  } catch (error) {
    return (error as Error).message;
  }
};

describe('web send size check', () => {
  test("uses the server's default limits", () => {
    assert.deepEqual(sendLimits, { maxMessageChars: defaultLimits.maxMessageChars, maxContextBytes: defaultLimits.maxContextBytes, maxContextParts: defaultLimits.maxContextParts });
  });

  test('refuses exactly what the server refuses, in the same words', async () => {
    const cases: [string, { path: string; content: string }[]][] = [
      ['hi', []],
      ['x'.repeat(100_000), []],
      ['x'.repeat(100_001), []],
      ['hi', [{ path: 'pasted-1.txt', content: 'y'.repeat(2 * 1024 * 1024) }]],
      ['hi', [{ path: 'pasted-1.txt', content: 'é'.repeat(128 * 1024) }]],
      ['hi', [{ path: 'pasted-1.txt', content: 'é'.repeat(128 * 1024 + 1) }]],
      ['hi', Array.from({ length: 21 }, (_, index) => ({ path: `p${index}.txt`, content: 'z' }))],
    ];
    for (const [content, context] of cases) {
      assert.equal(sendSizeProblem(content, context), await serverRefusal(content, context), `${content.length} chars, ${context.length} attachments`);
    }
  });

  test('with the limits a server announces (GET /v1/limits), in the same words too', async () => {
    for (const maxContextBytes of [1000, 2048, 1024 * 1024]) {
      const limits = { ...defaultLimits, maxMessageChars: 10, maxContextBytes, maxContextParts: 2 };
      for (const [content, context] of [
        ['x'.repeat(11), []],
        ['hi', [{ path: 'a.txt', content: 'y'.repeat(maxContextBytes + 1) }]],
        ['hi', [{ path: 'a.txt', content: 'y' }, { path: 'b.txt', content: 'y' }, { path: 'c.txt', content: 'y' }]],
      ] as [string, { path: string; content: string }[]][]) {
        assert.equal(sendSizeProblem(content, context, limits), await serverRefusal(content, context, limits));
      }
    }
  });
});
