/**
 * What the Redis conversation log costs: CPU per event of the appending node, of a subscribing node
 * (another process) and of Redis itself, and the append → delivery latency across the two processes.
 *
 *   npx node bench/scale-out/redis-log-cost.ts [--conversations 100] [--events 50000] [--batch 1]
 *                                              [--rate 5000] [--redis-url redis://…]
 *
 * `--batch`: events per append (the engine appends the drafts of one event-loop turn: one token is
 * usually one event; a run's start or end a few). `--rate`: events per second over all conversations,
 * flushed every 15 ms; 0 appends flat out (one append in flight per conversation, as the engine does).
 * Without `--redis-url`, a private redis-server (persistence off) runs, so its CPU is ours alone.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createClient, type RedisClientType } from 'redis';
import { RedisEventLog } from '../../src/engine/event-log/redis-event-log.ts';
import type { ConversationLog, EventDraft } from '../../src/engine/event-log/event-log.ts';
import { systemClock, type Clock } from '../../src/util/clock.ts';
import { startBenchRedis } from '../measure/redis-stats.ts';

const { values } = parseArgs({
  options: {
    conversations: { type: 'string', default: '100' },
    events: { type: 'string', default: '50000' },
    batch: { type: 'string', default: '1' },
    rate: { type: 'string', default: '5000' },
    'redis-url': { type: 'string' },
    subscriber: { type: 'boolean', default: false },
  },
});
const conversations = Number(values.conversations);
const totalEvents = Number(values.events);
const batch = Number(values.batch);
const rate = Number(values.rate);
/** Milliseconds since the epoch with sub-millisecond resolution, comparable across processes. */
const preciseClock: Clock = { ...systemClock, now: () => performance.timeOrigin + performance.now() };

async function connect(url: string): Promise<{ commands: RedisClientType; subscriber: RedisClientType; close(): Promise<void> }> {
  const commands: RedisClientType = createClient({ url });
  await commands.connect();
  const subscriber = commands.duplicate();
  await subscriber.connect();
  return { commands, subscriber, close: async () => void (await Promise.all([commands.close(), subscriber.close()])) };
}

async function openLogs(url: string, prefix: string, ids: string[]) {
  const clients = await connect(url);
  const eventLog = new RedisEventLog({ redis: clients.commands, subscriber: clients.subscriber, clock: preciseClock, capacity: 10_000, newEpoch: () => randomBytes(6).toString('base64url'), keyPrefix: prefix });
  const logs = await Promise.all(ids.map((id) => eventLog.open(id, { lastSeq: 0 })));
  return { clients, eventLog, logs };
}

const percentile = (sorted: number[], fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? NaN;

/** The subscribing node: counts what it is delivered, and how late. */
async function runSubscriber(): Promise<void> {
  const { url, prefix, ids, expected } = JSON.parse(process.env.REDIS_LOG_COST!) as { url: string; prefix: string; ids: string[]; expected: number };
  const { clients, eventLog, logs } = await openLogs(url, prefix, ids);
  const latencies: number[] = [];
  let received = 0;
  let gaps = 0;
  let cpuAtStart = process.cpuUsage();
  let startedAt = 0;
  const done = Promise.withResolvers<void>();
  for (const log of logs) {
    await log.subscribe(0, {
      events(events) {
        if (received === 0) [cpuAtStart, startedAt] = [process.cpuUsage(), performance.now()];
        received += events.length;
        const now = preciseClock.now();
        for (const event of events) if (latencies.length < 200_000) latencies.push(now - event.at);
        if (received >= expected) done.resolve();
      },
      gap: () => void gaps++,
    });
  }
  process.stdout.write('ready\n');
  await done.promise;
  const cpu = process.cpuUsage(cpuAtStart);
  latencies.sort((a, b) => a - b);
  const result = { received, gaps, cpuUs: cpu.user + cpu.system, seconds: (performance.now() - startedAt) / 1000, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  eventLog.close();
  await clients.close();
}

async function redisCpuUs(commands: RedisClientType): Promise<number> {
  const info = await commands.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

async function appendAll(logs: ConversationLog[]): Promise<void> {
  const draft = (n: number): EventDraft => ({ type: 'part-delta', runId: 'run_bench', data: { messageId: 'msg_bench', partId: 'part_bench', delta: ` token${n}` } });
  let appended = 0;
  const appendOne = (log: ConversationLog) => {
    const drafts = Array.from({ length: Math.min(batch, totalEvents - appended) }, (_, index) => draft(appended + index));
    appended += drafts.length;
    return log.append(drafts);
  };
  if (rate === 0) {
    await Promise.all(logs.map(async (log) => {
      while (appended < totalEvents) await appendOne(log);
    }));
    return;
  }
  // Paced: every 15 ms, this tick's events go out in batches, round-robin over the conversations.
  const tickMs = 15;
  const startedAt = performance.now();
  let next = 0;
  const inFlight = new Set<Promise<unknown>>();
  for (let tick = 1; appended < totalEvents; tick++) {
    const due = Math.min(totalEvents, Math.round((rate * tick * tickMs) / 1000));
    while (appended < due) {
      const append = appendOne(logs[next++ % logs.length]!);
      inFlight.add(append);
      void append.finally(() => inFlight.delete(append));
    }
    const wait = startedAt + tick * tickMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  await Promise.all(inFlight);
}

async function main(): Promise<void> {
  const privateRedis = values['redis-url'] ? undefined : await startBenchRedis();
  const url = values['redis-url'] ?? privateRedis!.url;
  const prefix = `confab-bench:${randomBytes(4).toString('hex')}:`;
  const ids = Array.from({ length: conversations }, (_, index) => `conv_bench${index}`);
  const { clients, eventLog, logs } = await openLogs(url, prefix, ids);
  const child = spawn(process.execPath, [process.argv[1]!, '--subscriber'], { env: { ...process.env, REDIS_LOG_COST: JSON.stringify({ url, prefix, ids, expected: totalEvents }) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  if ((await lines.next()).value !== 'ready') throw new Error('the subscriber did not start');
  const [cpuBefore, redisBefore, startedAt] = [process.cpuUsage(), await redisCpuUs(clients.commands), performance.now()];
  await appendAll(logs);
  const [cpu, seconds] = [process.cpuUsage(cpuBefore), (performance.now() - startedAt) / 1000];
  const subscriber = JSON.parse((await lines.next()).value as string) as { received: number; gaps: number; cpuUs: number; p50: number; p99: number };
  const redisUs = (await redisCpuUs(clients.commands)) - redisBefore;
  const perEvent = (us: number) => (us / totalEvents).toFixed(1);
  const appenderUs = cpu.user + cpu.system;
  const total = appenderUs + subscriber.cpuUs + redisUs;
  console.log(JSON.stringify({ conversations, events: totalEvents, batch, rate, seconds: Number(seconds.toFixed(2)), received: subscriber.received, gaps: subscriber.gaps }));
  console.log(`µs per event: appender ${perEvent(appenderUs)}, redis ${perEvent(redisUs)}, subscriber ${perEvent(subscriber.cpuUs)}; all three ${perEvent(total)} (${Math.round(totalEvents / (total / 1e6))} events per CPU-second)`);
  console.log(`append → delivery on the other node: p50 ${subscriber.p50.toFixed(2)} ms, p99 ${subscriber.p99.toFixed(2)} ms`);
  if (privateRedis) {
    const stats = [...(await clients.commands.info('commandstats')).matchAll(/cmdstat_(\w+):calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/g)];
    const busiest = stats.map(([, name, calls, usec, perCall]) => ({ name, calls: Number(calls), usec: Number(usec), perCall })).sort((a, b) => b.usec - a.usec).slice(0, 8);
    console.log(`redis time by command (µs per call, share): ${busiest.map((stat) => `${stat.name} ${stat.perCall} ×${stat.calls}`).join(', ')}`);
  }
  if (!privateRedis) {
    for await (const keys of clients.commands.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (keys.length > 0) await clients.commands.unlink(keys);
  }
  eventLog.close();
  await clients.close();
  await privateRedis?.stop();
}

if (values.subscriber) await runSubscriber();
else await main();
