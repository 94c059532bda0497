import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export type LingerOptions = {
  /** Close once the client has sent nothing for this long. */
  idleMs: number;
  /** Close after this long whatever the client does. */
  totalMs: number;
};

export const defaultLinger: LingerOptions = { idleMs: 2_000, totalMs: 10_000 };

/**
 * Ends the socket (FIN after everything written), then reads and discards what the client still
 * sends until it closes its side, falls idle, or the total time runs out, and only then closes.
 *
 * Closing a socket with unread input makes the kernel answer with a reset, and a client still
 * writing its request body (one refused with a 413, or by the parser) gets `EPIPE`/`ECONNRESET`
 * on its write and never reads the answer already sent: measured, 10 of 10 such answers lost to a
 * client that reads once its write completes (`test/server/malformed-requests.test.ts`). This is
 * the "lingering close" of RFC 9112 9.6 (nginx's `lingering_close`).
 */
export function lingeringClose(socket: Duplex, options: LingerOptions = defaultLinger): void {
  if (socket.destroyed) return;
  if (socket.readableEnded) {
    // Nothing more can arrive: close once the answer is handed to the kernel.
    socket.once('finish', () => socket.destroy());
    if (!socket.writableEnded) socket.end();
    else if (socket.writableFinished) socket.destroy();
    return;
  }
  // The HTTP parser stops seeing input: what follows is discarded, never parsed as a request.
  socket.removeAllListeners('data');
  socket.removeAllListeners('end');
  socket.on('error', () => socket.destroy());
  let idle: NodeJS.Timeout | undefined;
  const total = setTimeout(() => socket.destroy(), options.totalMs);
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => socket.destroy(), options.idleMs);
  };
  let finished = socket.writableFinished;
  let ended = false;
  const closeWhenBothDone = () => finished && ended && socket.destroy();
  socket.once('finish', () => {
    finished = true;
    armIdle();
    closeWhenBothDone();
  });
  socket.on('data', () => finished && armIdle());
  socket.once('end', () => {
    ended = true;
    closeWhenBothDone();
  });
  socket.once('close', () => {
    clearTimeout(total);
    clearTimeout(idle);
  });
  if (!socket.writableEnded) socket.end();
  else if (finished) armIdle();
  socket.resume();
}

/**
 * Makes the server's own closes (a response with `Connection: close`) lingering too: Node closes
 * such a socket through `socket.destroySoon()`, which resets a connection whose client is still
 * sending.
 */
export function lingerOnServerClose(server: Server, options: LingerOptions = defaultLinger): void {
  // One function for every socket (it reads the socket from `this`), not a closure kept per socket.
  const destroySoon = function (this: Socket): void {
    lingeringClose(this, options);
  };
  server.on('connection', (socket: Socket) => {
    socket.destroySoon = destroySoon;
  });
}
