/**
 * Network peers that sit between the SDK and a real server on 127.0.0.1:
 * - `startTcpProxy`: forwards bytes; `cutAll()` destroys every connection mid-stream (a dropped
 *   network, as the client and the server both see it); `refuse` makes it drop new connections;
 *   `target` can be changed (a restarted server on another port).
 * - `startUpgradeRefusingProxy`: forwards HTTP (SSE streams included, unbuffered) but answers every
 *   WebSocket upgrade with 403, like a corporate proxy that blocks upgrades.
 */
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createConnection, createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type TcpProxy = {
  url: string;
  /** Port the proxy forwards to. */
  targetPort: number;
  /** When true, new connections are destroyed at once. */
  refuse: boolean;
  connections: number;
  cutAll(): void;
  close(): Promise<void>;
};

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const proxy: TcpProxy = {
    url: '',
    targetPort: Number(new URL(targetUrl).port),
    refuse: false,
    connections: 0,
    cutAll() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        proxy.cutAll();
        server.close(() => resolve());
      }),
  };
  const server = createTcpServer((client) => {
    client.on('error', () => undefined);
    if (proxy.refuse) return void client.destroy();
    proxy.connections++;
    const upstream = createConnection({ host: '127.0.0.1', port: proxy.targetPort });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const forget = () => pairs.delete(pair);
    client.on('close', () => {
      forget();
      upstream.destroy();
    });
    upstream.on('close', () => {
      forget();
      client.destroy();
    });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

export type UpgradeRefusingProxy = { url: string; upgradesRefused: number; requests: number; close(): Promise<void> };

export async function startUpgradeRefusingProxy(targetUrl: string): Promise<UpgradeRefusingProxy> {
  const target = new URL(targetUrl);
  const proxy: UpgradeRefusingProxy = {
    url: '',
    upgradesRefused: 0,
    requests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createHttpServer((req, res) => {
    proxy.requests++;
    const forward = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  });
  server.on('upgrade', (_req, socket) => {
    proxy.upgradesRefused++;
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
