import { ConfabError, type ErrorCode } from '../domain/errors.ts';
import type { ContextInput, ContextPart } from '../domain/schemas.ts';
import { utf8Length } from '../tools/utf8-truncate.ts';
import type { ServerFrame, WorkerFrame } from './worker-protocol.ts';

/** How long a worker has to send the files attached to a message. */
export const contextReadTimeoutMs = 10_000;
/** Reads one worker connection may have outstanding; more are refused, not queued. */
export const maxPendingContextReads = 100;

/** Error codes a worker's refusal keeps (the client made the mistake); anything else is `internal`. */
const clientCodes = new Set<ErrorCode>(['bad_request', 'not_found', 'forbidden', 'payload_too_large']);

type Pending = { resolve: (parts: unknown[]) => void; reject: (error: ConfabError) => void; timer: NodeJS.Timeout };

/**
 * The context reads one worker connection has asked for and not had answered: the files a client
 * attached to a message of a worker project are read in the worker's directory (`read-context`),
 * answered with their parts or the reason they cannot be (`context`). Bounded in number and time;
 * a connection that closes fails its reads at once.
 */
export class ContextRequests {
  readonly #workerName: string;
  readonly #pending = new Map<string, Pending>();
  #next = 0;

  constructor(workerName: string) {
    this.#workerName = workerName;
  }

  request(send: (frame: ServerFrame) => void, projectName: string, context: ContextInput[], maxBytes: number): Promise<unknown[]> {
    if (this.#pending.size >= maxPendingContextReads) {
      return Promise.reject(new ConfabError('worker_unavailable', `Machine worker ${this.#workerName} has ${maxPendingContextReads} attached-file reads outstanding; try again shortly.`));
    }
    const requestId = `ctx_${++this.#next}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new ConfabError('worker_unavailable', `Machine worker ${this.#workerName} did not send the attached files within ${contextReadTimeoutMs / 1000} s.`));
      }, contextReadTimeoutMs);
      timer.unref();
      this.#pending.set(requestId, { resolve, reject, timer });
      send({ type: 'read-context', requestId, projectName, context, maxBytes });
    });
  }

  answer(frame: Extract<WorkerFrame, { type: 'context' }>): void {
    const pending = this.#pending.get(frame.requestId);
    if (!pending) return;
    this.#pending.delete(frame.requestId);
    clearTimeout(pending.timer);
    if (!frame.error) return pending.resolve(frame.parts ?? []);
    const code = frame.error.code as ErrorCode;
    pending.reject(clientCodes.has(code) ? new ConfabError(code, frame.error.message) : new ConfabError('internal', `Machine worker ${this.#workerName} could not read the attached files.`));
  }

  close(): void {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new ConfabError('worker_unavailable', `Machine worker ${this.#workerName} left before it sent the attached files.`));
    }
    this.#pending.clear();
  }
}

/**
 * What a worker sent for the attachments, checked as if this server had read them: one context
 * part per input, in order, for its path, within the byte limit; ids are this server's.
 */
export function checkedContextParts(parts: unknown[], inputs: ContextInput[], options: { maxBytes: number; newId: () => string }): ContextPart[] {
  const refused = () => new ConfabError('internal', 'The machine worker sent attached files that do not match the request.');
  if (parts.length !== inputs.length) throw refused();
  let bytes = 0;
  return inputs.map((input, index) => {
    const part = parts[index] as ContextPart;
    if (part.kind !== 'context' || part.path !== input.path) throw refused();
    bytes += utf8Length(part.content);
    if (bytes > options.maxBytes) throw refused();
    return { ...part, id: options.newId() };
  });
}
