import type { RedisCommands } from '../redis/redis-clients.ts';
import { appendScript, readScript, type AppendReply, type ReadReply } from './redis-log-scripts.ts';

/** Replies that say Redis did not run the script: still reading its files after a restart, or busy. */
const notRun = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN)\b/;
const retryDelayMs = 100;
/** Tries while Redis answers that it did not run the script, or the connection keeps breaking: 60 s. */
const maxAttempts = 600;

export type AppendCall = {
  redis: RedisCommands;
  /** meta, events, claims, live. */
  keys: string[];
  epoch: string;
  /** The log's last seq when the append is sent: the entries it writes come after it. */
  seen: number;
  /** ttlMs, fenceRunId, fenceAttempt, maxLength: the append script's arguments between `seen` and the events. */
  settings: string[];
  /** The events' stored JSON, in order. */
  stored: string[];
  capacity: number;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs the append script so that its events are written exactly once, whatever happens to the
 * connection (Redis restarted under the append, say):
 * - a reply saying Redis did not run it (LOADING while it reads its AOF back, BUSY) → sent again;
 * - the connection broke after the script was sent, so it ran or it did not: the stream past
 *   `seen` is read for the entries it would have written; found → their seq, as if the reply had
 *   come; not found → sent again.
 * A script error or a failed read after a broken connection is thrown. The caller sends one append
 * at a time per log: a retried script must not land behind an append sent after it.
 */
export async function appendExactlyOnce(call: AppendCall): Promise<AppendReply> {
  const args = [call.epoch, String(call.seen), ...call.settings, ...call.stored];
  for (let attempt = 1; ; attempt++) {
    try {
      return await appendScript.run<AppendReply>(call.redis, call.keys, args);
    } catch (error) {
      if (attempt >= maxAttempts || (isReply(error) && !notRun.test((error as Error).message))) throw error;
      if (!isReply(error)) {
        const landed = await landedAt(call, error);
        if (landed !== undefined) return landed;
      }
      await sleep(retryDelayMs);
    }
  }
}

/**
 * A reply from the server (`NOSCRIPT …`, `ERR …`: its message starts with the code in capitals),
 * as opposed to a connection that failed (`Socket closed unexpectedly`), where the command may or
 * may not have run.
 */
function isReply(error: unknown): boolean {
  return /^[A-Z][A-Z_]+( |$)/.test(String((error as Error)?.message));
}

/**
 * Where the append's entries are in the stream, if it ran; undefined when it did not. Reads until
 * Redis answers (the read waits in the client's queue while it reconnects); `error` is thrown when
 * it does not answer within the bound, the outcome then being unknown.
 */
async function landedAt(call: AppendCall, error: unknown): Promise<AppendReply | undefined> {
  const [meta, events] = call.keys;
  const args = [call.epoch, String(call.seen), String(call.seen), String(call.capacity)];
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let reply: ReadReply;
    try {
      reply = await readScript.run<ReadReply>(call.redis, [meta!, events!], args);
    } catch (readError) {
      if (isReply(readError) && !notRun.test((readError as Error).message)) throw readError;
      await sleep(retryDelayMs);
      continue;
    }
    if (reply[0] === 'lost') return ['lost'];
    if (reply[0] === 'gone') throw error;
    const values = reply[2].map(([, [, value]]) => value);
    for (let index = 0; index + call.stored.length <= values.length; index++) {
      if (call.stored.every((stored, offset) => values[index + offset] === stored)) return ['ok', Number.parseInt(reply[2][index]![0], 10)];
    }
    return undefined;
  }
  throw error;
}
