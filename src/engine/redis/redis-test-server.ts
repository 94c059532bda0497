/**
 * A private redis-server for tests that restart Redis: on a free port, its files in a temporary
 * directory, started with the persistence flags given, stopped (cleanly or with SIGKILL) and started
 * again on the same port and files. Only this process's server is ever stopped, by its own handle.
 * No redis-server binary: a skip reason (under CI an error).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { freePort } from '../../util/free-port.ts';

export type RedisTestServer = {
  url: string;
  /** Where its RDB and AOF files are (`appendonlydir/` for the AOF). */
  directory: string;
  start(): Promise<void>;
  /** `clean`: SHUTDOWN (Redis writes what persistence it has); `kill`: SIGKILL, as a crash. */
  stop(how: 'clean' | 'kill'): Promise<void>;
  dispose(): Promise<void>;
};

const binary = process.env.CONFAB_REDIS_SERVER ?? '/usr/bin/redis-server';

export function redisServerSkipReason(): string | undefined {
  if (existsSync(binary)) return undefined;
  const reason = `${binary} is missing: install Debian's redis-server to run the Redis restart tests`;
  if (process.env.CI) throw new Error(`CI is set and ${reason}.`);
  return reason;
}

export async function startRedisTestServer(persistence: string[]): Promise<RedisTestServer> {
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'confab-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const exited = () => new Promise<void>((resolve) => (child!.exitCode !== null || child!.signalCode !== null ? resolve() : child!.once('exit', () => resolve())));
  const server: RedisTestServer = {
    url,
    directory,
    async start() {
      child = spawn(binary, ['--bind', '127.0.0.1', '--port', String(port), '--dir', directory, '--loglevel', 'warning', ...persistence], { stdio: 'ignore' });
      for (let waited = 0; ; waited += 50) {
        const probe = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 1_000 } });
        probe.on('error', () => {});
        try {
          await probe.connect();
          // Redis answers LOADING while it reads its AOF back: wait until a command works.
          await probe.ping();
          await probe.close();
          return;
        } catch (error) {
          await probe.destroy();
          if (waited > 10_000) throw new Error(`redis-server on port ${port} did not start`, { cause: error });
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    },
    async stop(how) {
      if (!child || child.exitCode !== null) return;
      if (how === 'kill') child.kill('SIGKILL');
      else child.kill('SIGTERM');
      await exited();
    },
    async dispose() {
      await server.stop('kill');
      rmSync(directory, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

