import type { DatabaseSync } from 'node:sqlite';

/**
 * The settings every connection to the store's file needs, per connection: a wait for another
 * connection's write lock (the main thread's and the writer thread's, or another process), the
 * WAL journal with `synchronous = NORMAL` (a commit survives the process being killed; see
 * sqlite-journal.ts for a power loss), and foreign keys (deletes cascade through them).
 */
export function configureConnection(db: DatabaseSync, busyTimeoutMs: number): void {
  // busy_timeout first, so switching to WAL waits for other processes instead of failing.
  db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
}
