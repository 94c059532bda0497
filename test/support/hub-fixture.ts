import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfabError } from '../../src/domain/errors.ts';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import type { ModelResolver } from '../../src/engine/run/run-context.ts';
import { SessionHub } from '../../src/engine/session-hub.ts';
import type { SessionHubOptions } from '../../src/engine/hub-options.ts';
import type { Subscription } from '../../src/engine/subscription.ts';
import type { StepSource } from '../../src/providers/stream-part.ts';
import { MemoryStore } from '../../src/store/memory/memory-store.ts';
import type { Store } from '../../src/store/store.ts';

/** A temporary project directory with a couple of files, removed by `cleanup`. */
export async function makeProjectDir(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'confab-project-'));
  await writeFile(join(path, 'README.md'), '# Demo\nline two\nline three\n');
  await writeFile(join(path, 'notes.txt'), 'alpha\nbeta\ngamma\n');
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Runs `test` with the path of a SQLite file in a fresh folder and a project directory, both removed after. */
export async function withDataDir(test: (path: string, projectPath: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'confab-hub-data-'));
  const project = await makeProjectDir();
  try {
    await test(join(dir, 'confab.db'), project.path);
  } finally {
    await project.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Resolves every `test/*` model id to the given source, priced at $1 / $2 per million tokens. */
export function singleSourceModels(source: StepSource): ModelResolver {
  return {
    resolve(modelId) {
      if (!modelId.startsWith('test/')) throw new ConfabError('unknown_model', `Unknown model ${modelId}`);
      return { source, pricing: { inputPerMillion: 1, outputPerMillion: 2 } };
    },
  };
}

export async function makeHub(source: StepSource | ModelResolver, options: Partial<SessionHubOptions> & { store?: Store; model?: string } = {}) {
  const project = await makeProjectDir();
  const store = options.store ?? new MemoryStore();
  await store.init();
  const models = 'resolve' in source ? source : singleSourceModels(source);
  const hub = new SessionHub({ models, ...options, store });
  await hub.start();
  await hub.createProject({ name: 'demo', path: project.path });
  const conversation = await hub.createConversation({ projectName: 'demo', model: options.model ?? 'test/model' });
  return {
    hub,
    store,
    project,
    conversation,
    async cleanup() {
      await hub.close();
      await project.cleanup();
    },
  };
}

/** Collects everything a subscription delivers, without closing it; `waitFor` awaits a matching event. */
export class EventCollector {
  readonly events: ConfabEvent[] = [];
  readonly subscription: Subscription;
  #waiters: { predicate: (event: ConfabEvent) => boolean; from: number; resolve: (event: ConfabEvent) => void }[] = [];

  constructor(subscription: Subscription) {
    this.subscription = subscription;
    subscription.onReadable = () => queueMicrotask(() => this.#drain());
    this.#drain();
  }

  #drain(): void {
    for (const event of this.subscription.take()) {
      this.events.push(event);
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.predicate(event)) return true;
        waiter.resolve(event);
        return false;
      });
    }
  }

  /** Resolves with the first event matching `predicate`, counting events already collected. */
  waitFor(predicate: (event: ConfabEvent) => boolean, timeoutMs = 15_000): Promise<ConfabEvent> {
    this.#drain();
    const seen = this.events.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting; saw: ${this.events.map((event) => event.type).join(', ')}`)), timeoutMs);
      this.#waiters.push({
        predicate,
        from: this.events.length,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
      });
    });
  }

  types(): string[] {
    return this.events.map((event) => event.type);
  }

  close(): void {
    this.subscription.close();
  }
}

export const isRunEnd = (event: ConfabEvent) =>
  event.type === 'run-completed' || event.type === 'run-stopped' || event.type === 'run-failed' || event.type === 'run-interrupted';
