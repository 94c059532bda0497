import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { Message } from '../domain/schemas.ts';
import type { StoreHarness } from './store-contract.ts';
import { searchTerms } from './search-text.ts';
import { conversation, message, project, t0 } from './store-test-records.ts';

const said = (id: string, conversationId: string, text: string, overrides: Partial<Message> = {}) =>
  message(id, conversationId, { parts: [{ id: `${id}-p`, kind: 'text', text }], ...overrides });

export function describeSearch(harness: StoreHarness): void {
  const { store } = harness;
  const search = async (query: string, options: { projectName?: string; limit?: number } = {}) =>
    (await store().searchMessages({ terms: searchTerms(query), projectName: options.projectName, limit: options.limit ?? 20 })).map((hit) => hit.messageId);

  describe('full-text search', () => {
    beforeEach(async () => {
      await store().createProject(project('alpha'));
      await store().createProject(project('beta'));
      await store().commit({ conversations: [conversation('c1', { title: 'Deploys' }), conversation('c2', { projectName: 'beta' })] });
      await store().commit({
        messages: [
          said('m1', 'c1', 'How do I deploy the API to staging?', { createdAt: t0 + 1 }),
          said('m2', 'c1', 'Run the Deployment script, then check the API health.', { role: 'assistant', createdAt: t0 + 2 }),
          said('m3', 'c2', 'The api is down again', { createdAt: t0 + 3 }),
          said('m4', 'c2', 'redeploy it', { createdAt: t0 + 4 }),
          message('m5', 'c1', { parts: [{ id: 'r', kind: 'reasoning', text: 'deploy quietly' }], createdAt: t0 + 5 }),
        ],
      });
    });

    it('finds messages with a word starting with every term, any case, newest first', async () => {
      assert.deepStrictEqual(await search('api'), ['m3', 'm2', 'm1']);
      assert.deepStrictEqual(await search('DEPLOY api'), ['m2', 'm1']);
      assert.deepStrictEqual(await search('deploy'), ['m2', 'm1'], 'a term starts a word: "redeploy" and reasoning text are not found');
      assert.deepStrictEqual(await search('kubernetes'), []);
    });

    it('returns the conversation, the role and a snippet with the matches marked', async () => {
      const [hit] = await store().searchMessages({ terms: searchTerms('deploy health'), limit: 5 });
      assert.deepStrictEqual(hit, {
        conversationId: 'c1',
        conversationTitle: 'Deploys',
        projectName: 'alpha',
        messageId: 'm2',
        role: 'assistant',
        createdAt: t0 + 2,
        snippet: 'Run the Deployment script, then check the API health.',
        highlights: [[8, 14], [46, 52]],
      });
    });

    it('filters by project and honours the limit', async () => {
      assert.deepStrictEqual(await search('api', { projectName: 'beta' }), ['m3']);
      assert.deepStrictEqual(await search('api', { limit: 1 }), ['m3']);
    });

    it('follows edits and deletions, and skips a message while it streams', async () => {
      await store().commit({ messages: [said('m3', 'c2', 'All good now', { createdAt: t0 + 3 }), said('m6', 'c1', 'api api', { status: 'streaming', createdAt: t0 + 6 })] });
      assert.deepStrictEqual(await search('api'), ['m2', 'm1']);
      await store().commit({ messages: [said('m6', 'c1', 'api done', { createdAt: t0 + 6 })] });
      assert.deepStrictEqual(await search('api'), ['m6', 'm2', 'm1']);
      await store().deleteConversation('c1');
      assert.deepStrictEqual(await search('api'), []);
      await store().deleteProject('beta');
      assert.deepStrictEqual(await search('good'), []);
    });

    it('matches letters beyond ASCII and words joined by punctuation', async () => {
      await store().commit({ messages: [said('m7', 'c1', 'Über-Größe: src/app.ts café', { createdAt: t0 + 7 })] });
      assert.deepStrictEqual(await search('über größe'), ['m7']);
      assert.deepStrictEqual(await search('app ts'), ['m7']);
      assert.deepStrictEqual(await search('CAFÉ'), ['m7']);
    });
  });
}
