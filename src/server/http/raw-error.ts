import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../../domain/errors.ts';
import { errorStatus } from './error-status.ts';
import { lingeringClose } from './lingering-close.ts';

/**
 * Answers on a bare socket, where no `ServerResponse` exists (a refused WebSocket upgrade, a request
 * Node's parser rejected), with an ordinary HTTP/1.1 JSON error response and `Connection: close`,
 * then closes the socket: at once when the client has finished sending, else after discarding what
 * it still sends (`lingeringClose`), so a reset cannot destroy the answer.
 */
export function endWithJsonError(socket: Duplex, code: ErrorCode, message: string, options: { status?: number; headers?: Record<string, string> } = {}): void {
  const status = options.status ?? errorStatus[code];
  const body = JSON.stringify({ error: { code, message } });
  const extra = Object.entries(options.headers ?? {})
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      extra +
      '\r\n' +
      body,
  );
  lingeringClose(socket);
}
