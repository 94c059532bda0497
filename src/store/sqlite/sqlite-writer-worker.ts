/**
 * The thread of sqlite-writer.ts's WorkerWriter: its own connection to the database file, which
 * runs each write it is sent in order and answers it once committed; then, at most every
 * `checkpointIntervalMs` and only after answering, a passive WAL checkpoint (copy committed pages
 * into the database file, then sync), which never blocks the main thread's readers.
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { configureConnection } from './sqlite-connection.ts';
import { Statements } from './sqlite-statements.ts';
import type { WriterReply, WriterRequest } from './sqlite-writer.ts';
import { applyWrite } from './sqlite-writes.ts';

const { path, busyTimeoutMs, checkpointIntervalMs, backstopPages } = workerData as { path: string; busyTimeoutMs: number; checkpointIntervalMs: number; backstopPages: number };
const db = new DatabaseSync(path);
configureConnection(db, busyTimeoutMs);
db.exec(`PRAGMA wal_autocheckpoint = ${Math.trunc(backstopPages)}`);
const statements = new Statements(db);
const port = parentPort!;
let lastCheckpoint = performance.now();
let checkpointScheduled = false;

function checkpoint(): void {
  checkpointScheduled = false;
  lastCheckpoint = performance.now();
  try {
    db.exec('PRAGMA wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or failing: a later one tries again, and the backstop bounds the WAL.
  }
}

port.on('message', (request: WriterRequest) => {
  if ('close' in request) {
    if (db.isOpen) {
      checkpoint();
      statements.clear();
      db.close();
    }
    port.postMessage({ id: request.id, result: 0 } satisfies WriterReply);
    port.close();
    return;
  }
  let reply: WriterReply;
  try {
    reply = { id: request.id, result: applyWrite(statements, request.write) };
  } catch (caught) {
    const error = caught as { message?: unknown; name?: unknown; code?: unknown; errcode?: unknown; errstr?: unknown };
    reply = { id: request.id, error: { message: String(error?.message ?? caught), name: String(error?.name ?? 'Error'), code: error?.code, errcode: error?.errcode, errstr: error?.errstr } };
  }
  port.postMessage(reply);
  if (!checkpointScheduled && performance.now() - lastCheckpoint >= checkpointIntervalMs) {
    checkpointScheduled = true;
    setImmediate(checkpoint);
  }
});
