/**
 * A private Redis for the AI SDK baseline, so its CPU and command counts are the baseline's alone
 * (the shared one on 6379 also serves other test suites): started with persistence off on a free
 * port, stopped by pid. Falls back to an existing Redis (`REDIS_URL` or 127.0.0.1:6379) when
 * `redis-server` is not installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from '../../src/util/free-port.ts';

export type BenchRedis = { url: string; pid: number | undefined; commands(): Promise<number>; stop(): Promise<void> };

export async function startBenchRedis(): Promise<BenchRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  try {
    child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      child!.once('error', reject);
      const deadline = Date.now() + 5_000;
      const probe = () =>
        redisCommand(port, 'PING').then(
          () => resolve(),
          () => (Date.now() > deadline ? reject(new Error('redis-server did not start')) : setTimeout(probe, 50)),
        );
      probe();
    });
  } catch {
    child?.kill();
    const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    return handle(url.toString(), Number(url.port || 6379), undefined, undefined);
  }
  return handle(`redis://127.0.0.1:${port}`, port, child.pid, child);
}

function handle(url: string, port: number, pid: number | undefined, child: ChildProcess | undefined): BenchRedis {
  return {
    url,
    pid,
    /** Commands processed so far (INFO stats `total_commands_processed`). */
    async commands() {
      const info = await redisCommand(port, 'INFO stats');
      return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
    },
    async stop() {
      if (!child || child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

/** One inline command over RESP, answer as text. */
function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      const bulk = /^\$(\d+)\r\n/.exec(reply);
      if (reply.startsWith('+') || reply.startsWith('-') || (bulk && reply.length >= bulk[0].length + Number(bulk[1]))) {
        socket.end();
        if (reply.startsWith('-')) reject(new Error(reply.trim()));
        else resolve(reply);
      }
    });
    socket.on('error', reject);
  });
}

export { freePort };
