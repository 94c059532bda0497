/**
 * A load client: a forked process that holds a share of the watchers and follows the bench's
 * commands over IPC (`client-messages.ts`); kept between runs (`release`, then a new `init`). It counts frames and tokens and decodes only the token
 * codes; its own CPU time is reported so the bench can show the clients cost less than the server.
 */
import type { ClientInit, ClientMessage, ParentCommand } from './client-messages.ts';
import type { Protocol, ProtocolContext } from './protocol.ts';
import { aiSdkProtocol } from './protocols/ai-sdk-sse.ts';
import { confabProtocol } from './protocols/confab-ws.ts';
import { langgraphProtocol } from './protocols/langgraph-sse.ts';
import { relayProtocol } from './protocols/relay-ws.ts';
import { upstreamProtocol } from './protocols/upstream-direct.ts';
import { newStats, recordError, Watcher } from './watcher.ts';

const protocols: Record<ClientInit['protocol'], (context: ProtocolContext) => Protocol> = {
  confab: confabProtocol,
  relay: relayProtocol,
  'ai-sdk': aiSdkProtocol,
  langgraph: langgraphProtocol,
  upstream: upstreamProtocol,
};

/** Connections opened at once: a burst of thousands of SYNs overflows accept queues. */
const connectConcurrency = 128;
/** Reconnections at once per process: "all at once", bounded only so a burst does not overflow the server's accept queue. */
const resumeConcurrency = 512;

let stats = newStats();
let init: ClientInit;
let protocol: Protocol;
let watchers: Watcher[] = [];
let unfinished = 0;
let whenAllFinished: (() => void) | undefined;
/** CPU is charged from the start command on: forking and loading this script do not count. */
let cpuAtStart = process.cpuUsage();

function send(message: ClientMessage): void {
  process.send!(message);
}

async function eachLimited(items: Watcher[], limit: number, action: (watcher: Watcher) => Promise<void>): Promise<{ failed: number; errors: string[] }> {
  let next = 0;
  let failed = 0;
  const errors: string[] = [];
  const worker = async () => {
    while (next < items.length) {
      const watcher = items[next++];
      try {
        await action(watcher);
      } catch (error) {
        failed++;
        if (errors.length < 5) errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return { failed, errors };
}

function startAll(): void {
  for (const watcher of watchers) {
    if (watcher.plan.startMessage === undefined) continue;
    setTimeout(() => {
      protocol.start(watcher).then(
        (handle) => {
          if (handle !== undefined) send({ type: 'started', conversationId: watcher.plan.conversationId, handle });
        },
        (error: Error) => {
          recordError(stats, `start: ${error.message}`);
          watcher.finish();
        },
      );
    }, watcher.plan.startDelayMs ?? 0);
  }
}

function join(conversationId: string, handle: string): void {
  for (const watcher of watchers) {
    if (watcher.plan.conversationId !== conversationId || watcher.plan.startMessage !== undefined) continue;
    protocol.join(watcher, handle).catch((error: Error) => {
      recordError(stats, `join: ${error.message}`);
      watcher.finish();
    });
  }
}

function report(deadlineMs: number): void {
  const done = () => {
    clearTimeout(timer);
    whenAllFinished = undefined;
    const cpu = process.cpuUsage(cpuAtStart);
    send({
      type: 'report',
      report: {
        watchers: watchers.length,
        finished: watchers.length - unfinished,
        tokens: stats.tokens,
        windowTokens: stats.windowTokens,
        lastTokenAt: stats.lastTokenAt,
        frames: stats.frames,
        outOfOrder: stats.outOfOrder,
        latency: stats.latency.export(),
        firstToken: stats.firstToken.export(),
        catchUp: stats.catchUp.export(),
        texts: init.collectText ? watchers.map((watcher) => watcher.textReport()) : [],
        errors: stats.errors,
        errorCount: stats.errorCount,
        cpuMs: (cpu.user + cpu.system) / 1000,
      },
    });
  };
  const timer = setTimeout(done, Math.max(0, deadlineMs));
  if (unfinished === 0) return done();
  whenAllFinished = done;
}

process.on('message', (command: ParentCommand) => {
  switch (command.cmd) {
    case 'init':
      protocol?.close();
      stats = newStats();
      whenAllFinished = undefined;
      init = command.init;
      protocol = protocols[init.protocol]({ init, stats });
      watchers = init.watchers.map((plan) => new Watcher(plan, stats, init.tokenSize, init.collectText));
      unfinished = watchers.length;
      for (const watcher of watchers) {
        watcher.onFinish = () => {
          unfinished--;
          if (unfinished === 0) whenAllFinished?.();
        };
      }
      return send({ type: 'ready' });
    case 'connect':
      return void eachLimited(watchers, connectConcurrency, (watcher) => protocol.connect(watcher)).then(({ failed, errors }) =>
        send({ type: 'connected', connected: watchers.length - failed, failed, errors }),
      );
    case 'start':
      cpuAtStart = process.cpuUsage();
      if (command.window) stats.window = command.window;
      return startAll();
    case 'joinable':
      return join(command.conversationId, command.handle);
    case 'drop':
      for (const watcher of watchers) if (!watcher.finished) protocol.drop(watcher);
      return;
    case 'resume':
      return void eachLimited(
        watchers.filter((watcher) => !watcher.finished),
        resumeConcurrency,
        (watcher) => protocol.resume(watcher),
      ).then(({ errors }) => {
        for (const message of errors) recordError(stats, `resume: ${message}`);
        send({ type: 'resumed' });
      });
    case 'report':
      return report(command.deadlineMs);
    case 'release':
      protocol?.close();
      watchers = [];
      unfinished = 0;
      whenAllFinished = undefined;
      return send({ type: 'released' });
    case 'close':
      protocol?.close();
      process.disconnect?.();
      setTimeout(() => process.exit(0), 50);
      return;
  }
});
process.on('disconnect', () => process.exit(0));
