import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `<data-dir>/server.json`: where the `confab serve` of a data directory listens, so a client run
 * with that data directory (the CLI's default, ./.confab) finds a server on any port. Written
 * atomically once the server listens, removed on a clean shutdown; a record whose process is gone
 * (a crash, SIGKILL) is stale and ignored by readers.
 */
export type ServerRecord = { url: string; pid: number };

export const serverFileName = 'server.json';

/** Writes the record through a temporary file and a rename, so a reader sees the old file or the whole new one. */
export async function writeServerFile(dataDir: string, record: ServerRecord): Promise<void> {
  const path = join(dataDir, serverFileName);
  const temporary = `${path}.${record.pid}.tmp`;
  const file = await open(temporary, 'w', 0o600);
  try {
    await file.writeFile(`${JSON.stringify({ url: localUrl(record.url), pid: record.pid })}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
}

/** Removes the record if it is `pid`'s (a newer server's record is left alone). */
export async function removeServerFile(dataDir: string, pid: number): Promise<void> {
  const path = join(dataDir, serverFileName);
  if ((await readRecord(path))?.pid === pid) await rm(path, { force: true });
}

/** The record of a server that is running now; null when there is none, it is malformed, or its process is gone. */
export async function readServerFile(dataDir: string, isRunning: (pid: number) => boolean = processIsRunning): Promise<ServerRecord | null> {
  const record = await readRecord(join(dataDir, serverFileName));
  return record !== null && isRunning(record.pid) ? record : null;
}

async function readRecord(path: string): Promise<ServerRecord | null> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
  const { url, pid } = (parsed ?? {}) as { url?: unknown; pid?: unknown };
  if (typeof url !== 'string' || !/^https?:\/\//.test(url) || !Number.isSafeInteger(pid) || (pid as number) <= 0) return null;
  return { url, pid: pid as number };
}

/** Signal 0 checks that a process exists without touching it; EPERM means it exists as another user's. */
export function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A server listening on every address is reached locally through loopback. */
function localUrl(url: string): string {
  return url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:');
}
