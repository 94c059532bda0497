import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { endWithJsonError as refuse } from '../server/http/raw-error.ts';
import type { Logger } from '../util/logger.ts';
import type { RemoteRuns } from './remote-runs.ts';
import { WorkerConnection, type WorkerConnectionLimits } from './worker-connection.ts';
import type { WorkerDirectory } from './worker-directory.ts';

export const defaultWorkerConnectionLimits: WorkerConnectionLimits & { maxPayloadBytes: number } = {
  heartbeatMs: 10_000,
  highWaterBytes: 1024 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxMalformedFrames: 20,
  registerTimeoutMs: 10_000,
  maxPayloadBytes: 4 * 1024 * 1024,
};

/**
 * Accepts machine workers on `/v1/workers/ws`. Only a worker token admits (as
 * `Authorization: Bearer`); the server's own token does not, and a worker token admits nowhere
 * else (the REST routes and `/v1/ws` check the server token only). A refused upgrade gets a plain
 * HTTP error and the socket is closed.
 */
export class WorkerGateway {
  readonly #directory: WorkerDirectory;
  readonly #runs: RemoteRuns;
  readonly #limits: typeof defaultWorkerConnectionLimits;
  readonly #logger: Logger;
  readonly #wss: WebSocketServer;
  readonly #connections = new Set<WorkerConnection>();

  constructor(options: { directory: WorkerDirectory; runs: RemoteRuns; limits?: Partial<typeof defaultWorkerConnectionLimits>; logger: Logger }) {
    this.#directory = options.directory;
    this.#runs = options.runs;
    this.#limits = { ...defaultWorkerConnectionLimits, ...options.limits };
    this.#logger = options.logger;
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: this.#limits.maxPayloadBytes, perMessageDeflate: false, clientTracking: false });
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const record = match ? this.#directory.authenticate(match[1]) : undefined;
    if (!record) return refuse(socket, 'unauthorized', 'A valid worker token is required (Authorization: Bearer); make one with `confab workers add`.');
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = new WorkerConnection({ ws, record, directory: this.#directory, runs: this.#runs, limits: this.#limits, logger: this.#logger });
      this.#connections.add(connection);
      ws.once('close', () => this.#connections.delete(connection));
      this.#logger.info('machine worker connected', { worker: record.name });
    });
  }

  /** Closes every worker connection (1001). */
  close(): void {
    for (const connection of this.#connections) connection.end();
    this.#connections.clear();
  }
}
