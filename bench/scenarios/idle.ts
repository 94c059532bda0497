/**
 * Scenario 4, idle: many WebSocket connections, each subscribed to a conversation (ten per
 * conversation), nothing streaming. Memory per connection is the server's RSS growth from before
 * the connections to after they settled, divided by their number. The AI SDK and LangGraph have
 * no idle subscription to hold (a watcher attaches to an active stream, or gets nothing), so they
 * are not applicable.
 */
import type { WatcherPlan } from '../clients/client-messages.ts';
import { ClientPool } from '../clients/client-pool.ts';
import { processTree, sampleProcesses } from '../measure/proc-stats.ts';
import type { Target } from '../targets/target.ts';
import { forEachTarget, round, type PerTarget, type ScenarioContext } from './scenario.ts';
import { mb, sleep } from './stream-run.ts';

export type IdleResult = { connections: number; connected: number; rssBeforeMb: number; rssAfterMb: number; kbPerConnection: number; errors: string[] };

const notApplicable = 'no idle subscription exists: a watcher can only attach to an active stream';

export function runIdle(context: ScenarioContext): Promise<PerTarget<IdleResult>> {
  const { idle } = context.options.params;
  return forEachTarget(
    context,
    'idle',
    async (target) => {
      const conversations = await target.createConversations(Math.ceil(idle.connections / idle.perConversation), 'idle');
      const watchers: WatcherPlan[] = Array.from({ length: idle.connections }, (_, i) => ({ conversationId: conversations[i % conversations.length] }));
      await sleep(idle.settleMs);
      const before = await settledRss(target);
      const pool = await ClientPool.open({ protocol: target.protocol, baseUrl: target.baseUrl, token: target.token, tokenSize: context.options.params.tokenSize, collectText: false }, watchers, context.options.clients);
      try {
        const connection = await pool.connect();
        await sleep(idle.settleMs);
        const after = await settledRss(target);
        const result: IdleResult = {
          connections: idle.connections,
          connected: connection.connected,
          rssBeforeMb: mb(before),
          rssAfterMb: mb(after),
          kbPerConnection: connection.connected > 0 ? round((after - before) / 1024 / connection.connected, 2) : 0,
          errors: connection.errors.slice(0, 5),
        };
        context.log(`  ${target.name}: ${result.connected}/${result.connections} connected, RSS ${result.rssBeforeMb} → ${result.rssAfterMb} MB, ${result.kbPerConnection} KB per connection`);
        return result;
      } finally {
        await pool.close();
      }
    },
    { 'ai-sdk': notApplicable, langgraph: notApplicable },
  );
}

/** The median of a few RSS samples a little apart (RSS moves with the allocator and GC). */
async function settledRss(target: Target): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(sampleProcesses(target.pids.flatMap((pid) => processTree(pid))).rssBytes);
    await sleep(40);
  }
  return samples.sort((a, b) => a - b)[2];
}
