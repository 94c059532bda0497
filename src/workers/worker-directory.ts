import { ConfabError } from '../domain/errors.ts';
import type { ContextInput, Project } from '../domain/schemas.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from '../util/clock.ts';
import type { WorkerLink } from './run-assignment.ts';
import { hashWorkerToken, newWorkerToken, validateWorkerInput, type WorkerRecord, type WorkerTokenStore } from './worker-tokens.ts';

/** A connected, registered worker. */
export interface WorkerSession extends WorkerLink {
  readonly projects: ReadonlySet<string>;
  readonly concurrency: number;
  /** It is shutting down and takes no new runs. */
  readonly draining: boolean;
  /** Reads files attached to a message in its directory for the project (unchecked parts, or a ConfabError). */
  readContext(projectName: string, context: ContextInput[], maxBytes: number): Promise<unknown[]>;
  /** Runs assigned to it and not ended. */
  readonly running: number;
  /** Closes the connection because the token was revoked (the worker does not reconnect). */
  revoke(): void;
  /** Closes the connection because a newer one of the same worker registered. */
  replaced(): void;
}

/** What `GET /v1/workers` shows of a worker (never its token). */
export type WorkerInfo = { name: string; projects: string[]; createdAt: number; online: boolean; running: number };

/** The slice of the store the directory uses: a worker's projects missing here are created without a directory (`path` ''). */
export type ProjectCatalog = Pick<Store, 'getProject' | 'createProject'>;

/**
 * The machine workers this server knows: their records (names, scopes, token hashes) and which of
 * them are connected now. Decides which worker takes a run of a project, and wakes whoever waits
 * for one when a worker connects, leaves or frees a slot.
 */
export class WorkerDirectory {
  readonly #tokens: WorkerTokenStore;
  readonly #projects: ProjectCatalog;
  readonly #clock: Clock;
  #records: WorkerRecord[] = [];
  readonly #sessions = new Map<string, WorkerSession>();
  readonly #waiters = new Set<() => void>();

  private constructor(options: { tokens: WorkerTokenStore; projects: ProjectCatalog; clock: Clock }) {
    this.#tokens = options.tokens;
    this.#projects = options.projects;
    this.#clock = options.clock;
  }

  static async open(options: { tokens: WorkerTokenStore; projects: ProjectCatalog; clock: Clock }): Promise<WorkerDirectory> {
    const directory = new WorkerDirectory(options);
    directory.#records = await options.tokens.list();
    return directory;
  }

  /** Makes a worker and its token (returned once; only its hash is kept). Missing projects are created as worker projects. */
  async add(input: { name: unknown; projects: unknown }): Promise<{ worker: WorkerInfo; token: string }> {
    const { name, projects } = validateWorkerInput(input);
    const token = newWorkerToken();
    const record: WorkerRecord = { name, projects, tokenHash: hashWorkerToken(token), createdAt: this.#clock.now() };
    await this.#tokens.add(record);
    this.#records = await this.#tokens.list();
    for (const project of projects) {
      if (await this.#projects.getProject(project)) continue;
      await this.#projects.createProject({ name: project, path: '', createdAt: this.#clock.now() });
    }
    return { worker: this.#info(record), token };
  }

  list(): WorkerInfo[] {
    return this.#records.map((record) => this.#info(record));
  }

  /** Forgets the worker's token and disconnects it at once; its runs are handed back (ended or given to another worker). */
  async revoke(name: string): Promise<void> {
    if (!(await this.#tokens.remove(name))) throw new ConfabError('not_found', `No worker named "${name}".`);
    this.#records = await this.#tokens.list();
    this.#sessions.get(name)?.revoke();
  }

  authenticate(token: string): WorkerRecord | undefined {
    const hash = hashWorkerToken(token);
    return this.#records.find((record) => record.tokenHash === hash);
  }

  /** Whether runs of the project go to machine workers: it has no directory here, or a worker token names it. */
  serves(project: Project): boolean {
    return project.path === '' || this.#records.some((record) => record.projects.includes(project.name));
  }

  /** The workers whose tokens name the project, and whether each is connected and serving it. */
  projectWorkers(projectName: string): { name: string; online: boolean }[] {
    return this.#records
      .filter((record) => record.projects.includes(projectName))
      .map((record) => ({ name: record.name, online: this.#sessions.get(record.name)?.projects.has(projectName) ?? false }));
  }

  /** The least busy connected worker of the project with a free slot. */
  pick(projectName: string): WorkerSession | undefined {
    let best: WorkerSession | undefined;
    for (const session of this.#sessions.values()) {
      if (!session.projects.has(projectName) || session.draining || session.running >= session.concurrency) continue;
      if (!best || session.running / session.concurrency < best.running / best.concurrency) best = session;
    }
    return best;
  }

  /** Whether some connected worker serves the project (busy or not; not one that is shutting down). */
  online(projectName: string): boolean {
    return this.serving(projectName) !== undefined;
  }

  /** A connected worker serving the project (busy or not), not one that is shutting down. */
  serving(projectName: string): WorkerSession | undefined {
    for (const session of this.#sessions.values()) if (session.projects.has(projectName) && !session.draining) return session;
    return undefined;
  }

  /** Registers a connected worker; one connection per worker, so a newer one replaces the older. */
  attach(session: WorkerSession): WorkerSession | undefined {
    const previous = this.#sessions.get(session.workerName);
    this.#sessions.set(session.workerName, session);
    this.changed();
    return previous;
  }

  detach(session: WorkerSession): void {
    if (this.#sessions.get(session.workerName) === session) this.#sessions.delete(session.workerName);
    this.changed();
  }

  /** Wakes everyone waiting for a worker (a worker came, left, or freed a slot). */
  changed(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /** Resolves on the next change, after `timeoutMs`, or when `signal` aborts; says which. */
  waitForChange(signal: AbortSignal, timeoutMs: number): Promise<'changed' | 'timeout' | 'aborted'> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve('aborted');
      const done = (outcome: 'changed' | 'timeout' | 'aborted') => {
        this.#waiters.delete(onChange);
        this.#clock.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const onChange = () => done('changed');
      const onAbort = () => done('aborted');
      const timer = this.#clock.setTimeout(() => done('timeout'), Math.max(0, timeoutMs));
      this.#waiters.add(onChange);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #info(record: WorkerRecord): WorkerInfo {
    const session = this.#sessions.get(record.name);
    return { name: record.name, projects: [...record.projects], createdAt: record.createdAt, online: session !== undefined, running: session?.running ?? 0 };
  }
}
