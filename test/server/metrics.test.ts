import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openSse } from '../support/sse-client.ts';
import { eventually, withTestServer, type TestServer } from '../support/server-fixture.ts';

async function scrape(server: TestServer): Promise<string> {
  const response = await fetch(`${server.url}/metrics`, { headers: server.authHeaders });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return response.text();
}

/** The sample lines of Confab's own metrics, less the checkpoint histogram (its timings vary). */
function confabSamples(text: string): string[] {
  return text.split('\n').filter((line) => line.startsWith('confab_') && !line.startsWith('confab_checkpoint_duration_seconds'));
}

function sample(text: string, name: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  assert.ok(line, `no sample ${name}`);
  return Number(line.slice(name.length + 1));
}

describe('GET /metrics', () => {
  it('needs the token, like every API route', async () => {
    await withTestServer(async (server) => {
      const response = await fetch(`${server.url}/metrics`);
      assert.equal(response.status, 401);
      assert.equal((await response.json()).error.code, 'unauthorized');
      assert.equal((await fetch(`${server.url}/metrics?token=wrong`)).status, 401);
      assert.equal((await fetch(`${server.url}/metrics`, { method: 'POST', headers: server.authHeaders })).status, 405);
    });
  });

  it('counts runs, tokens and retries, and shows live conversations, subscribers and the queue, after a scripted session', async () => {
    await withTestServer(async (server) => {
      const id = server.conversationId;
      server.upstream.enqueue(
        { kind: 'error', status: 429, message: 'Slow down', headers: { 'retry-after': '0' } },
        { kind: 'stream', chunks: [{ text: 'One' }, { text: ' two' }], usage: { inputTokens: 12, outputTokens: 3 }, holdAfter: 1 },
        { kind: 'stream', chunks: [{ text: 'Three' }], usage: { inputTokens: 5, outputTokens: 2 } },
      );
      const sse = await openSse(`${server.url}/v1/conversations/${id}/events`, server.authHeaders);
      const first = await server.request('POST', `/v1/conversations/${id}/messages`, { content: 'first' });
      assert.equal(first.status, 202);
      await server.upstream.waitForRequests(2);
      const second = await server.request('POST', `/v1/conversations/${id}/messages`, { content: 'second', onBusy: 'enqueue' });
      assert.equal(second.status, 202);
      await eventually(() => sse.events().some((event) => event.type === 'part-delta'), 15_000, 'the first delta');

      const busy = await scrape(server);
      assert.deepEqual(confabSamples(busy), [
        'confab_runs_total{status="queued"} 2',
        'confab_runs_total{status="running"} 1',
        'confab_runs_total{status="requires-action"} 0',
        'confab_runs_total{status="completed"} 0',
        'confab_runs_total{status="stopped"} 0',
        'confab_runs_total{status="failed"} 0',
        'confab_runs_total{status="interrupted"} 0',
        'confab_tokens_total{direction="input"} 0',
        'confab_tokens_total{direction="output"} 0',
        'confab_run_retries_total{error="rate_limit"} 1',
        'confab_run_retries_total{error="server"} 0',
        'confab_run_retries_total{error="network"} 0',
        'confab_run_retries_total{error="timeout"} 0',
        'confab_checkpoint_failures_total 0',
        'confab_active_conversations 1',
        'confab_subscribers 1',
        'confab_running_runs 1',
        'confab_run_queue_depth 1',
      ]);

      server.upstream.release();
      await eventually(() => sse.events().filter((event) => event.type === 'run-completed').length === 2, 15_000, 'both runs');
      sse.close();
      await eventually(async () => sample(await scrape(server), 'confab_subscribers') === 0, 15_000, 'the stream to close');
      const done = await scrape(server);
      assert.deepEqual(confabSamples(done), [
        'confab_runs_total{status="queued"} 2',
        'confab_runs_total{status="running"} 2',
        'confab_runs_total{status="requires-action"} 0',
        'confab_runs_total{status="completed"} 2',
        'confab_runs_total{status="stopped"} 0',
        'confab_runs_total{status="failed"} 0',
        'confab_runs_total{status="interrupted"} 0',
        'confab_tokens_total{direction="input"} 17',
        'confab_tokens_total{direction="output"} 5',
        'confab_run_retries_total{error="rate_limit"} 1',
        'confab_run_retries_total{error="server"} 0',
        'confab_run_retries_total{error="network"} 0',
        'confab_run_retries_total{error="timeout"} 0',
        'confab_checkpoint_failures_total 0',
        'confab_active_conversations 1',
        'confab_subscribers 0',
        'confab_running_runs 0',
        'confab_run_queue_depth 0',
      ]);

      // Checkpoints: at least the two acknowledged sends and the two run ends, each in one bucket.
      const count = sample(done, 'confab_checkpoint_duration_seconds_count');
      assert.ok(count >= 4, `checkpoints: ${count}`);
      assert.equal(sample(done, 'confab_checkpoint_duration_seconds_bucket{le="+Inf"}'), count);
      // Node's own, from prom-client's default metrics.
      for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']) {
        assert.ok(Number.isFinite(sample(done, name)), name);
      }
      for (const name of ['confab_runs_total', 'confab_tokens_total', 'confab_run_retries_total', 'confab_checkpoint_duration_seconds', 'confab_subscribers']) {
        assert.match(done, new RegExp(`^# HELP ${name} .+\\n# TYPE ${name} (counter|gauge|histogram)$`, 'm'), name);
      }
    });
  });
});
