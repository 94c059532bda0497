import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ConfabError } from '../domain/errors.ts';

export type DataDirLock = { release(): void };

/**
 * Makes this process the only `confab serve` on `dataDir`. A second server on the same data would
 * run start-up recovery over the first one's live runs (marking them interrupted, re-adding queued
 * messages) and then write over its checkpoints, so it is refused before it opens anything.
 *
 * The lock is an exclusive SQLite transaction on `<dataDir>/serve.lock`, held open for the life of
 * the process: an OS file lock, so it goes when the process dies however it dies (no stale pid
 * file after a crash or SIGKILL), and `confab.db` itself stays readable by other tools.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'serve.lock');
  const db = new DatabaseSync(path);
  try {
    db.exec('PRAGMA busy_timeout = 0');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if (/locked|busy/i.test((error as Error).message)) {
      throw new ConfabError('bad_request', `The data directory ${dataDir} is in use by another confab serve; stop that one, or give this one another --data-dir.`, { cause: error });
    }
    throw error;
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      db.close();
    },
  };
}
