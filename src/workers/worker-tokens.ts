import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfabError } from '../domain/errors.ts';
import { projectNamePattern } from '../domain/schemas.ts';

/** A machine worker as the server records it: its name, the projects its token may serve, the token's hash. */
export type WorkerRecord = {
  name: string;
  projects: string[];
  /** sha256 of the token, hex. The token itself is shown once, when it is made, and never stored. */
  tokenHash: string;
  createdAt: number;
};

/**
 * Where worker records live. Contract: `add` resolves once the record is durable and refuses a name
 * already taken (`bad_request`); `remove` resolves once the removal is durable, false for an unknown
 * name; `findByHash` answers from what was last written. Memory (`MemoryWorkerTokens`) for tests and
 * a JSON file in the data directory (`FileWorkerTokens`) for `confab serve`.
 */
export interface WorkerTokenStore {
  list(): Promise<WorkerRecord[]>;
  findByHash(tokenHash: string): Promise<WorkerRecord | undefined>;
  add(record: WorkerRecord): Promise<void>;
  remove(name: string): Promise<boolean>;
}

/** Workers one server may have; each also holds a connection when online. */
export const maxWorkers = 1_000;
/** Projects one worker token may name. */
export const maxProjectsPerWorker = 100;

export function newWorkerToken(): string {
  return `cfw_${randomBytes(32).toString('base64url')}`;
}

export function hashWorkerToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Checks a new worker's name and projects (names only: a worker project need not exist on this machine). */
export function validateWorkerInput(input: { name: unknown; projects: unknown }): { name: string; projects: string[] } {
  if (typeof input.name !== 'string' || !projectNamePattern.test(input.name)) {
    throw new ConfabError('bad_request', 'Worker name must be 1 to 64 letters, digits, "_" or "-".');
  }
  if (!Array.isArray(input.projects) || input.projects.length === 0) throw new ConfabError('bad_request', 'A worker must be given at least one project.');
  if (input.projects.length > maxProjectsPerWorker) throw new ConfabError('bad_request', `A worker may serve at most ${maxProjectsPerWorker} projects.`);
  for (const project of input.projects) {
    if (typeof project !== 'string' || !projectNamePattern.test(project)) throw new ConfabError('bad_request', `Project name "${String(project)}" must be 1 to 64 letters, digits, "_" or "-".`);
  }
  return { name: input.name, projects: [...new Set(input.projects as string[])] };
}

export class MemoryWorkerTokens implements WorkerTokenStore {
  protected records: WorkerRecord[] = [];
  #changing: Promise<unknown> = Promise.resolve();

  async list(): Promise<WorkerRecord[]> {
    return this.records.map((record) => ({ ...record, projects: [...record.projects] }));
  }

  async findByHash(tokenHash: string): Promise<WorkerRecord | undefined> {
    return this.records.find((record) => record.tokenHash === tokenHash);
  }

  add(record: WorkerRecord): Promise<void> {
    return this.#change((records) => {
      if (records.some((existing) => existing.name === record.name)) throw new ConfabError('bad_request', `A worker named "${record.name}" already exists.`);
      if (records.length >= maxWorkers) throw new ConfabError('bad_request', `This server already has ${maxWorkers} workers; revoke one first.`);
      return [...records, record];
    }).then(() => {});
  }

  async remove(name: string): Promise<boolean> {
    let found = false;
    await this.#change((records) => {
      found = records.some((record) => record.name === name);
      return found ? records.filter((record) => record.name !== name) : records;
    });
    return found;
  }

  /** Changes run one at a time, each on the list the previous one left; the list changes once the change is durable. */
  #change(compute: (records: WorkerRecord[]) => WorkerRecord[]): Promise<void> {
    const change = this.#changing.then(async () => {
      const next = compute(this.records);
      if (next !== this.records) await this.save(next);
      this.records = next;
    });
    this.#changing = change.catch(() => {});
    return change;
  }

  /** Makes the new list durable (nothing to do in memory). */
  protected async save(_records: WorkerRecord[]): Promise<void> {}
}

/**
 * Worker records in `<data-dir>/workers.json`: each change is written to a temporary file, synced,
 * renamed over the old one and the directory synced, so a crash leaves the old list or the new one.
 */
export class FileWorkerTokens extends MemoryWorkerTokens {
  readonly #path: string;

  private constructor(path: string, records: WorkerRecord[]) {
    super();
    this.#path = path;
    this.records = records;
  }

  static async open(dataDir: string): Promise<FileWorkerTokens> {
    const path = join(dataDir, 'workers.json');
    let records: WorkerRecord[] = [];
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as { workers?: WorkerRecord[] };
      records = Array.isArray(parsed.workers) ? parsed.workers : [];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`could not read ${path}: ${(error as Error).message}`);
    }
    return new FileWorkerTokens(path, records);
  }

  protected override save(records: WorkerRecord[]): Promise<void> {
    return writeDurably(this.#path, `${JSON.stringify({ version: 1, workers: records }, null, 2)}\n`);
  }
}

async function writeDurably(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, 'w', 0o600);
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  const directory = await open(dirname(path), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
