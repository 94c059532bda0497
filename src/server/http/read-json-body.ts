import type { IncomingMessage } from 'node:http';
import { ConfabError } from '../../domain/errors.ts';

/**
 * Reads a request body as JSON, counting bytes as they arrive: past `maxBytes` it stops keeping
 * them (nothing past the limit is buffered) and fails with `payload_too_large`. A declared
 * Content-Length over the limit fails before a byte is read. An empty body is `undefined`.
 *
 * After a failure the rest of the body is read and dropped, so the client that is still sending
 * gets to read the 413 instead of a connection reset; the caller closes the connection.
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      discardRest(req);
      return reject(tooLarge(maxBytes));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      cleanup();
      chunks.length = 0;
      discardRest(req);
      reject(tooLarge(maxBytes));
    };
    const onEnd = () => {
      cleanup();
      if (size === 0) return resolve(undefined);
      try {
        resolve(JSON.parse(Buffer.concat(chunks, size).toString('utf8')));
      } catch (error) {
        reject(new ConfabError('bad_request', `The request body is not valid JSON: ${(error as Error).message}`));
      }
    };
    // The client left (or the parser gave up) mid-body: its fault, not ours, and nothing was read.
    const onError = (error: Error) => {
      cleanup();
      reject(new ConfabError('bad_request', 'The request body was cut short.', { cause: error }));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function discardRest(req: IncomingMessage): void {
  req.on('data', () => {});
  req.on('error', () => {});
  req.resume();
}

function tooLarge(maxBytes: number): ConfabError {
  return new ConfabError('payload_too_large', `The request body is larger than ${maxBytes} bytes.`);
}
