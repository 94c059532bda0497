/**
 * A TCP relay on 127.0.0.1 in front of a server, whose link a test can cut and restore: a real
 * network failure for the client behind it (its sockets reset, new connections refused at once),
 * while the server itself keeps running.
 *
 *   const proxy = await startTcpProxy(new URL(server.url).port);
 *   await page.goto(proxy.url);      // the page talks to the server only through the proxy
 *   proxy.cut();                     // every open connection is destroyed; new ones are dropped
 *   proxy.stall();                   // nothing passes any more, but no connection is closed (a hung link)
 *   proxy.restore();                 // connections pass again
 *   await proxy.close();
 */
import { connect, createServer, type Socket } from 'node:net';

export type TcpProxy = {
  /** `http://127.0.0.1:<port>` */
  url: string;
  cut(): void;
  /** Stops forwarding bytes without closing anything: open connections hang, new ones are accepted and hang too. */
  stall(): void;
  restore(): void;
  close(): Promise<void>;
};

export async function startTcpProxy(targetPort: number | string): Promise<TcpProxy> {
  const open = new Set<Socket>();
  const pairs = new Set<Socket[]>();
  let down = false;
  let stalled = false;
  const server = createServer((client) => {
    if (down) return void client.destroy();
    const upstream = connect(Number(targetPort), '127.0.0.1');
    const pair = [client, upstream];
    pairs.add(pair);
    client.once('close', () => pairs.delete(pair));
    for (const socket of pair) {
      open.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        open.delete(socket);
        for (const other of pair) other.destroy();
      });
    }
    if (stalled) return;
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const unstall = () => {
    if (!stalled) return;
    stalled = false;
    for (const [client, upstream] of pairs) {
      client.pipe(upstream);
      upstream.pipe(client);
    }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  const cutAll = () => {
    for (const socket of [...open]) socket.destroy();
  };
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut() {
      down = true;
      cutAll();
    },
    stall() {
      stalled = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    restore() {
      down = false;
      unstall();
    },
    close() {
      cutAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
