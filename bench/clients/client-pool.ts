/**
 * The bench's side of the load clients: forks N client processes, deals the watchers out to them
 * (all watchers of one conversation together where possible), and relays `started` handles so
 * watchers in one process can join a stream another process started.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LatencyHistogram } from '../measure/latency-histogram.ts';
import type { ClientInit, ClientMessage, ClientReport, ParentCommand, WatcherPlan } from './client-messages.ts';

const entry = fileURLToPath(new URL('./client-process.ts', import.meta.url));

/** Every client process's report merged: counts summed, histograms merged, CPU summed as `clientCpuMs`. */
export type PoolReport = Omit<ClientReport, 'latency' | 'firstToken' | 'catchUp' | 'cpuMs'> & {
  latency: LatencyHistogram;
  firstToken: LatencyHistogram;
  catchUp: LatencyHistogram;
  clientCpuMs: number;
};

export class ClientPool {
  readonly #children: ChildProcess[] = [];
  readonly #waiting = new Map<ChildProcess, { type: ClientMessage['type']; resolve: (message: ClientMessage) => void }[]>();
  readonly #relayStarts: boolean;

  /** Client processes kept between runs (forking and loading the client costs a noticeable fraction of a second each). */
  static readonly #idle: ChildProcess[] = [];
  readonly #onMessage = new Map<ChildProcess, (message: ClientMessage) => void>();

  private constructor(count: number, relayStarts: boolean) {
    this.#relayStarts = relayStarts;
    for (let i = 0; i < count; i++) {
      const child = ClientPool.#idle.pop() ?? fork(entry, [], { execPath: process.execPath, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      this.#children.push(child);
      this.#waiting.set(child, []);
      const onMessage = (message: ClientMessage) => this.#receive(child, message);
      this.#onMessage.set(child, onMessage);
      child.on('message', onMessage);
    }
  }

  /** Ends the kept client processes (at the end of the bench). */
  static async shutdown(): Promise<void> {
    const idle = ClientPool.#idle.splice(0);
    await Promise.all(idle.map((child) => endChild(child)));
  }

  /** Forks `processes` clients and hands them `watchers`, keeping each conversation's watchers in one process when it can. */
  static async open(base: Omit<ClientInit, 'watchers'>, watchers: WatcherPlan[], processes: number): Promise<ClientPool> {
    const count = Math.max(1, Math.min(processes, watchers.length));
    const pool = new ClientPool(count, base.protocol === 'ai-sdk' || base.protocol === 'langgraph');
    const shares: WatcherPlan[][] = Array.from({ length: count }, () => []);
    watchers.forEach((watcher, i) => shares[i % count].push(watcher));
    await Promise.all(pool.#children.map((child, i) => pool.#ask(child, { cmd: 'init', init: { ...base, watchers: shares[i] } }, 'ready')));
    return pool;
  }

  async connect(): Promise<{ connected: number; failed: number; errors: string[] }> {
    const replies = await Promise.all(this.#children.map((child) => this.#ask(child, { cmd: 'connect' }, 'connected')));
    const total = { connected: 0, failed: 0, errors: [] as string[] };
    for (const reply of replies) {
      if (reply.type !== 'connected') continue;
      total.connected += reply.connected;
      total.failed += reply.failed;
      total.errors.push(...reply.errors);
    }
    return total;
  }

  start(window?: { from: number; to: number }): void {
    this.#broadcast({ cmd: 'start', window });
  }

  drop(): void {
    this.#broadcast({ cmd: 'drop' });
  }

  async resume(): Promise<void> {
    await Promise.all(this.#children.map((child) => this.#ask(child, { cmd: 'resume' }, 'resumed')));
  }

  /** Waits until every watcher finished or `deadlineMs` passed, and merges what the clients saw. */
  async report(deadlineMs: number): Promise<PoolReport> {
    const replies = await Promise.all(this.#children.map((child) => this.#ask(child, { cmd: 'report', deadlineMs }, 'report')));
    const merged: PoolReport = {
      watchers: 0, finished: 0, tokens: 0, windowTokens: 0, lastTokenAt: 0, frames: 0, outOfOrder: 0,
      latency: new LatencyHistogram(), firstToken: new LatencyHistogram(), catchUp: new LatencyHistogram(),
      texts: [], errors: [], errorCount: 0, clientCpuMs: 0,
    };
    for (const reply of replies) {
      if (reply.type !== 'report') continue;
      const report: ClientReport = reply.report;
      merged.watchers += report.watchers;
      merged.finished += report.finished;
      merged.tokens += report.tokens;
      merged.windowTokens += report.windowTokens;
      merged.lastTokenAt = Math.max(merged.lastTokenAt, report.lastTokenAt);
      merged.frames += report.frames;
      merged.outOfOrder += report.outOfOrder;
      merged.latency.merge(report.latency);
      merged.firstToken.merge(report.firstToken);
      merged.catchUp.merge(report.catchUp);
      merged.texts.push(...report.texts);
      merged.errorCount += report.errorCount;
      for (const error of report.errors) if (merged.errors.length < 8) merged.errors.push(error);
      merged.clientCpuMs += report.cpuMs;
    }
    return merged;
  }

  get pids(): number[] {
    return this.#children.map((child) => child.pid!).filter(Boolean);
  }

  /** Drops every connection; the processes go back to the idle list for the next run. */
  async close(): Promise<void> {
    await Promise.all(
      this.#children.map(async (child) => {
        if (child.exitCode !== null || !child.connected) return;
        try {
          await this.#ask(child, { cmd: 'release' }, 'released');
        } catch {
          return;
        }
        child.off('message', this.#onMessage.get(child)!);
        ClientPool.#idle.push(child);
      }),
    );
  }

  #broadcast(command: ParentCommand): void {
    for (const child of this.#children) if (child.connected) child.send(command);
  }

  #ask(child: ChildProcess, command: ParentCommand, replyType: ClientMessage['type']): Promise<ClientMessage> {
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error(`load client ${child.pid} exited`));
      child.once('exit', onExit);
      this.#waiting.get(child)!.push({
        type: replyType,
        resolve: (message) => {
          child.off('exit', onExit);
          resolve(message);
        },
      });
      child.send(command);
    });
  }

  #receive(child: ChildProcess, message: ClientMessage): void {
    if (message.type === 'started') {
      if (this.#relayStarts) this.#broadcast({ cmd: 'joinable', conversationId: message.conversationId, handle: message.handle });
      return;
    }
    const waiting = this.#waiting.get(child)!;
    const index = waiting.findIndex((waiter) => waiter.type === message.type);
    if (index >= 0) waiting.splice(index, 1)[0].resolve(message);
  }
}

function endChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || !child.connected) return resolve();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 2_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.send({ cmd: 'close' } satisfies ParentCommand);
  });
}
