import type { Http } from './http.ts';

/** A machine worker as the server lists it (never its token). */
export type WorkerInfo = { name: string; projects: string[]; createdAt: number; online: boolean; running: number };

/** `/v1/workers`: machine workers and their tokens (needs the server's own token). */
export class WorkersApi {
  readonly #http: Http;

  constructor(http: Http) {
    this.#http = http;
  }

  async list(): Promise<WorkerInfo[]> {
    return (await this.#http.json<{ workers: WorkerInfo[] }>('GET', '/v1/workers')).workers;
  }

  /** The token is in this answer only; the server keeps its hash. */
  create(input: { name: string; projects: string[] }): Promise<{ worker: WorkerInfo; token: string }> {
    return this.#http.json<{ worker: WorkerInfo; token: string }>('POST', '/v1/workers', { body: input });
  }

  revoke(name: string): Promise<void> {
    return this.#http.json<void>('DELETE', `/v1/workers/${encodeURIComponent(name)}`);
  }
}
