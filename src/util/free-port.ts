import { createServer } from 'node:net';

/** A port on 127.0.0.1 that was free a moment ago, for a program that cannot listen on port 0 and report it (`opencode serve --port 0` takes its default port instead). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
