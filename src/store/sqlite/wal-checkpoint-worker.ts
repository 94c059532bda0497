/**
 * The worker thread of wal-checkpointer.ts: its own connection to the database, running a passive
 * WAL checkpoint (copy committed pages into the database file, then sync) every `intervalMs`, until
 * told to stop. A passive checkpoint never blocks the writer; what it cannot copy yet waits for
 * the next one.
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

const { path, intervalMs, busyTimeoutMs } = workerData as { path: string; intervalMs: number; busyTimeoutMs: number };
const db = new DatabaseSync(path);
db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
const checkpoint = () => {
  try {
    db.exec('PRAGMA wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or failing: the next interval tries again, and the writer's backstop bounds the WAL.
  }
};
const timer = setInterval(checkpoint, intervalMs);
parentPort!.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
