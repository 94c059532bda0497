import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MessageSchema } from '../../domain/schemas.ts';
import { migrate, migrations } from './migrations.ts';
import { SqliteStore } from './sqlite-store.ts';
import { upgradeToolParts } from './tool-state-migration.ts';

const times = { createdAt: 100, updatedAt: 900 };

/** An assistant message's parts as schema 1 stored them: flat status, results as separate parts. */
const oldParts = [
  { id: 'p1', kind: 'text', text: 'Let me look.' },
  { id: 'p2', kind: 'tool-call', toolCallId: 'c1', toolName: 'read_file', input: { path: 'a.txt' }, status: 'completed', providerMetadata: { google: { thoughtSignature: 't' } } },
  { id: 'p3', kind: 'tool-call', toolCallId: 'c2', toolName: 'read_file', input: { path: 'b.txt' }, status: 'error' },
  { id: 'p4', kind: 'tool-result', toolCallId: 'c1', toolName: 'read_file', output: { content: 'A' }, isError: false },
  { id: 'p5', kind: 'tool-result', toolCallId: 'c2', toolName: 'read_file', output: 'ENOENT: b.txt', isError: true },
  { id: 'p6', kind: 'tool-call', toolCallId: 'c3', toolName: 'web', input: {}, status: 'running', providerExecuted: true },
  { id: 'p7', kind: 'tool-result', toolCallId: 'c9', toolName: 'web_search', output: { message: 'blocked', code: 403 }, isError: true },
  { id: 'p8', kind: 'tool-call', toolCallId: 'c4', toolName: 'ls', input: 'raw', status: 'pending' },
  { id: 'p9', kind: 'tool-call', toolCallId: 'c5', toolName: 'ls', input: {}, status: 'completed' },
  { id: 'p10', kind: 'text', text: 'It says A.' },
];

const newParts = [
  { id: 'p1', kind: 'text', text: 'Let me look.' },
  { id: 'p2', kind: 'tool-call', toolCallId: 'c1', toolName: 'read_file', step: 1, providerMetadata: { google: { thoughtSignature: 't' } }, state: { status: 'completed', input: { path: 'a.txt' }, output: { content: 'A' }, startedAt: 100, endedAt: 900 } },
  { id: 'p3', kind: 'tool-call', toolCallId: 'c2', toolName: 'read_file', step: 1, state: { status: 'error', input: { path: 'b.txt' }, error: 'ENOENT: b.txt', endedAt: 900 } },
  { id: 'p6', kind: 'tool-call', toolCallId: 'c3', toolName: 'web', step: 2, providerExecuted: true, state: { status: 'running', input: {}, startedAt: 900 } },
  { id: 'p7', kind: 'tool-call', toolCallId: 'c9', toolName: 'web_search', step: 2, state: { status: 'error', input: null, error: 'blocked', output: { message: 'blocked', code: 403 }, endedAt: 900 }, providerExecuted: true },
  { id: 'p8', kind: 'tool-call', toolCallId: 'c4', toolName: 'ls', step: 3, state: { status: 'pending', input: 'raw' } },
  { id: 'p9', kind: 'tool-call', toolCallId: 'c5', toolName: 'ls', step: 3, state: { status: 'error', input: {}, error: 'No result was stored for this call.', endedAt: 900 } },
  { id: 'p10', kind: 'text', text: 'It says A.' },
];

describe('schema 2: tool calls carry their state', () => {
  it('folds each result into its call, numbers the steps, keeps a result without a call, and settles calls that lost theirs', () => {
    assert.deepStrictEqual(upgradeToolParts(oldParts, times), newParts);
    assert.equal(upgradeToolParts(newParts, times), undefined, 'parts already in the new shape are left alone');
    assert.equal(upgradeToolParts([{ id: 'p1', kind: 'text', text: 'hi' }], times), undefined);
  });

  describe('on a database written by schema 1', () => {
    let directory: string;
    let path: string;
    beforeEach(() => {
      directory = mkdtempSync(join(tmpdir(), 'confab-migrate-'));
      path = join(directory, 'confab.db');
    });
    afterEach(() => rmSync(directory, { recursive: true, force: true }));

    /** Writes rows the way schema 1 did, then closes the file. */
    function writeOldDatabase(messages: { id: string; parts: unknown[] }[]): void {
      const db = new DatabaseSync(path);
      migrate(db, { now: () => 1, list: migrations.slice(0, 1) });
      db.prepare('INSERT INTO projects VALUES (?, ?, ?)').run('demo', '/tmp/demo', 1);
      db.prepare(
        `INSERT INTO conversations (id, project_name, title, model, system_prompt, busy_policy, usage, cost, created_at, updated_at)
         VALUES ('conv_1', 'demo', 'T', 'test/model', '', 'enqueue', '{"inputTokens":0,"outputTokens":0}', NULL, 1, 1)`,
      ).run();
      const insert = db.prepare(
        `INSERT INTO messages (id, conversation_id, role, parts, status, run_id, model, usage, cost, created_at, updated_at)
         VALUES (?, 'conv_1', 'assistant', ?, 'completed', NULL, NULL, NULL, NULL, ?, ?)`,
      );
      for (const message of messages) insert.run(message.id, JSON.stringify(message.parts), times.createdAt, times.updatedAt);
      db.close();
    }

    async function readMessages() {
      const store = new SqliteStore({ path, now: () => 2 });
      await store.init();
      try {
        return await store.listMessages('conv_1');
      } finally {
        await store.close();
      }
    }

    it('converts an old-format row on open, into parts the schema accepts', async () => {
      writeOldDatabase([{ id: 'msg_1', parts: oldParts }]);
      const [message] = await readMessages();
      assert.deepStrictEqual(message.parts, newParts);
      assert.deepStrictEqual(MessageSchema.parse(message).parts, newParts);
    });

    it('converts every row, page by page, and leaves rows without tool parts byte for byte', async () => {
      const count = 450; // more than two pages of 200
      writeOldDatabase([
        { id: 'msg_plain', parts: [{ id: 'p', kind: 'text', text: 'no tools here' }] },
        ...Array.from({ length: count }, (_, i) => ({ id: `msg_${String(i).padStart(3, '0')}`, parts: oldParts })),
      ]);
      const messages = await readMessages();
      assert.equal(messages.length, count + 1);
      assert.deepStrictEqual(messages[0].parts, [{ id: 'p', kind: 'text', text: 'no tools here' }]);
      for (const message of messages.slice(1)) assert.deepStrictEqual(message.parts, newParts, message.id);
    });
  });
});
