/**
 * HTTP over a bare TCP socket, for requests no well-behaved client would send (bad request lines,
 * oversized headers, bytes sent one at a time) and for reading exactly what the server wrote back.
 *
 *   const exchange = await rawExchange(port, ['GET / HTTP/1.1\r\nHost: x\r\n\r\n']);
 *   const [response] = parseResponses(exchange.bytes);    // { status, headers, body }
 */
import { connect, type Socket } from 'node:net';

export type RawExchange = {
  /** Everything the server wrote. */
  bytes: Buffer;
  /** True when the server closed the connection (false when `waitMs` ran out first). */
  closedByServer: boolean;
  /** Chunks of `send` written before the server closed the connection. */
  chunksSent: number;
};

export type RawExchangeOptions = {
  /** Pause between chunks of `send`; 0 writes them back to back. */
  intervalMs?: number;
  /** Half-close (FIN) after the last chunk. */
  end?: boolean;
  /** How long to wait for the server to close before giving up and destroying the socket. */
  waitMs?: number;
};

/** Connects, writes each chunk, and collects what comes back until the server closes or `waitMs` passes. */
export function rawExchange(port: number, send: (string | Buffer)[], options: RawExchangeOptions = {}): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let chunksSent = 0;
    let closedByServer = false;
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => socket.destroy(), options.waitMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('end', () => (closedByServer = true));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the server answered is the server closing too.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') closedByServer = true;
      else reject(error);
    });
    socket.on('close', () => {
      clearTimeout(giveUp);
      clearTimeout(timer);
      resolve({ bytes: Buffer.concat(received), closedByServer, chunksSent });
    });
    const next = () => {
      if (socket.destroyed || socket.writableEnded) return;
      if (chunksSent === send.length) return void (options.end && socket.end());
      socket.write(send[chunksSent++]);
      if (options.intervalMs) timer = setTimeout(next, options.intervalMs);
      else next();
    };
    socket.once('connect', next);
  });
}

export type RawResponse = { status: number; headers: Record<string, string>; body: Buffer };

/**
 * Splits what a server wrote into responses (Content-Length and chunked bodies; none for 1xx, 204,
 * 304 and, given `head`, for the first final one: the answer to a HEAD request, after any 100 Continue). A response cut short ends the list; `rest`
 * holds its bytes.
 */
export function parseResponses(bytes: Buffer, head = false): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const headEnd = bytes.indexOf('\r\n\r\n', offset);
    if (headEnd < 0) break;
    const [statusLine, ...lines] = bytes.subarray(offset, headEnd).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!match) break;
    const status = Number(match[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let cursor = headEnd + 4;
    let body: Buffer = Buffer.alloc(0);
    const bodiless = status < 200 || status === 204 || status === 304 || (head && !responses.some((earlier) => earlier.status >= 200));
    if (!bodiless && headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      const parts: Buffer[] = [];
      while (true) {
        const sizeEnd = bytes.indexOf('\r\n', cursor);
        if (sizeEnd < 0) return { responses, rest: bytes.subarray(offset) };
        const size = Number.parseInt(bytes.subarray(cursor, sizeEnd).toString('latin1'), 16);
        if (!Number.isFinite(size) || sizeEnd + 2 + size + 2 > bytes.length) return { responses, rest: bytes.subarray(offset) };
        parts.push(bytes.subarray(sizeEnd + 2, sizeEnd + 2 + size));
        cursor = sizeEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(parts);
    } else if (!bodiless) {
      const length = Number(headers['content-length'] ?? 0);
      if (cursor + length > bytes.length) break;
      body = bytes.subarray(cursor, cursor + length);
      cursor += length;
    }
    responses.push({ status, headers, body });
    offset = cursor;
  }
  return { responses, rest: bytes.subarray(offset) };
}
