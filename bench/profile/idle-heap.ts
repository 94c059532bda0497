/**
 * What an idle subscribed WebSocket costs Confab, and in which objects: the idle scenario's setup
 * (conversations, then sockets each subscribed to one of them, nothing streaming) against one
 * server started with `--heapsnapshot-signal`, a heap snapshot before the sockets and one after
 * they settled, RSS per socket as the bench reads it, and the heap growth per socket by kind of
 * object (heap-summary.ts), largest first.
 *   node bench/profile/idle-heap.ts [--connections 2000] [--per-conversation 10] [--dir DIR] [--env K=V,…]
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { WatcherPlan } from '../clients/client-messages.ts';
import { ClientPool } from '../clients/client-pool.ts';
import { processTree, sampleProcesses } from '../measure/proc-stats.ts';
import { sleep } from '../scenarios/stream-run.ts';
import { startConfab } from '../targets/confab-target.ts';
import { startUpstream } from '../upstream/upstream-handle.ts';
import { diffHeaps, summarizeHeap } from './heap-summary.ts';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '2000' }, 'per-conversation': { type: 'string', default: '10' }, dir: { type: 'string' }, env: { type: 'string', default: '' } } });
const connections = Number(values.connections);
const perConversation = Number(values['per-conversation']);
const env = Object.fromEntries(values.env.split(',').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as [string, string]));
const dir = resolve(values.dir ?? join(tmpdir(), `confab-idle-heap-${process.pid}`));
mkdirSync(dir, { recursive: true });

const upstream = await startUpstream();
const target = await startConfab({ upstreamUrl: upstream.url, workDir: dir, env, nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`] });
const rss = () => sampleProcesses(target.pids.flatMap((pid) => processTree(pid))).rssBytes;

/** Asks the server for a heap snapshot (it collects garbage first) and waits until the file is whole. */
async function snapshot(): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(target.pids[0]!, 'SIGUSR2');
  for (let size = -1; ; await sleep(500)) {
    const file = readdirSync(dir).find((name) => name.endsWith('.heapsnapshot') && !before.has(name));
    if (!file) continue;
    const now = statSync(join(dir, file)).size;
    if (now > 0 && now === size) return join(dir, file);
    size = now;
  }
}

try {
  const ids = await target.createConversations(Math.ceil(connections / perConversation), 'idle');
  const watchers: WatcherPlan[] = Array.from({ length: connections }, (_, i) => ({ conversationId: ids[i % ids.length]! }));
  await sleep(2000);
  const first = await snapshot();
  const rssBefore = rss();
  const pool = await ClientPool.open({ protocol: target.protocol, baseUrl: target.baseUrl, token: target.token, tokenSize: 4, collectText: false }, watchers, 2);
  try {
    const { connected } = await pool.connect();
    await sleep(2000);
    const rssAfter = rss();
    const second = await snapshot();
    const read = (file: string) => summarizeHeap(JSON.parse(readFileSync(file, 'utf8')));
    const growth = diffHeaps(read(second), read(first));
    const total = growth.reduce((sum, group) => sum + group.bytes, 0);
    console.log(`${connected}/${connections} connected; RSS ${((rssAfter - rssBefore) / 1024 / connected).toFixed(2)} KB per socket; heap ${(total / 1024 / connected).toFixed(2)} KB per socket`);
    console.log('| bytes per socket | count per socket | what |\n| --- | --- | --- |');
    for (const group of growth.slice(0, 30)) console.log(`| ${(group.bytes / connected).toFixed(0)} | ${(group.count / connected).toFixed(2)} | ${group.name.slice(0, 70)} |`);
  } finally {
    await pool.close();
  }
} finally {
  await ClientPool.shutdown();
  await target.stop();
  await upstream.stop();
  if (!values.dir) rmSync(dir, { recursive: true, force: true });
}
