import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../../domain/errors.ts';
import { endWithJsonError } from './raw-error.ts';
import { sendWireError } from './respond.ts';

export type ClientErrorOptions = {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
};

/**
 * Makes the answers Node's HTTP layer gives on its own JSON errors like every other: a request its
 * parser rejects (bad request line, bad header character, headers over `maxHeaderSize`, a body
 * cut short), a request not received within the header or request timeout, and an `Expect` other
 * than `100-continue` (and `100 Continue` is sent only where it is due). Each is answered with an HTTP/1.1 JSON error and `Connection: close`, then
 * the socket is closed.
 *
 * Responses to earlier, complete requests on the same socket (pipelined) are sent first. When the
 * socket is gone, or the response to the failing request has already begun (writing would corrupt
 * it), or the request whose body failed has already been answered (a second answer to one request
 * would be read as the answer to the next), the socket is only destroyed. Socket errors (ECONNRESET, EPIPE) get no answer.
 */
export function answerClientErrors(server: Server, options: ClientErrorOptions): void {
  // Responses begun or waiting on each socket (several when requests are pipelined).
  const inFlight = new WeakMap<Duplex, Set<ServerResponse>>();
  // The parser repeats its error for every later chunk; one answer per socket.
  const answered = new WeakSet<Duplex>();
  // The latest request on each socket: when its response has begun before its body was received,
  // an error in that body (cut short, say) belongs to a request already answered.
  const latest = new WeakMap<Duplex, ServerResponse>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    let responses = inFlight.get(socket);
    if (!responses) inFlight.set(socket, (responses = new Set()));
    responses.add(res);
    latest.set(socket, res);
    res.once('close', () => responses.delete(res));
  });

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const answer = answerFor(error, options);
    if (!answer) return void socket.destroy();
    if (answered.has(socket)) return;
    answered.add(socket);
    const responses = inFlight.get(socket) ?? new Set<ServerResponse>();
    const earlier = [...responses].filter((res) => res.req.complete);
    void Promise.all(earlier.map((res) => new Promise((resolve) => res.once('close', resolve)))).then(() => {
      const begun = [...responses].some((res) => res.headersSent);
      const last = latest.get(socket);
      const alreadyAnswered = last !== undefined && !last.req.complete && last.headersSent;
      if (!socket.writable || begun || alreadyAnswered) return void socket.destroy();
      endWithJsonError(socket, answer.code, answer.message, { status: answer.status });
    });
  });

  // Node's default writes 100 Continue for every such request, even one without a body, and for a
  // pipelined request whose response then streams Buffers it lands between that response's head
  // and body. RFC 9110 10.1.1 lets a server omit it when there is no content, or when the client
  // is pipelining (it sent the body without waiting).
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    const pipelined = (inFlight.get(req.socket)?.size ?? 0) > 0;
    if (hasBody && !pipelined) res.writeContinue();
    server.emit('request', req, res);
  });

  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    sendWireError(res, 417, 'bad_request', `Expect: ${req.headers.expect} is not supported; only 100-continue is.`, { connection: 'close' });
  });
}

type Answer = { code: ErrorCode; status: number; message: string };

function answerFor(error: NodeJS.ErrnoException & { reason?: unknown }, options: ClientErrorOptions): Answer | undefined {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'headers_too_large', status: 431, message: 'The request line and headers are too large.' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { code: 'payload_too_large', status: 413, message: 'The chunk extensions of the request body are too large.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        code: 'request_timeout',
        status: 408,
        message: `The request was not received in time (headers within ${options.headersTimeoutMs} ms, the whole request within ${options.requestTimeoutMs} ms).`,
      };
  }
  // Everything else the parser rejects; socket errors (ECONNRESET, EPIPE) get no answer.
  if (!error.code?.startsWith('HPE_')) return undefined;
  // llhttp's reasons are fixed strings ("Invalid method encountered"), safe to pass on.
  const reason = typeof error.reason === 'string' && error.reason.length <= 100 ? `: ${error.reason.replace(/\.$/, '')}` : '';
  return { code: 'bad_request', status: 400, message: `The request is not valid HTTP/1.1${reason}.` };
}
