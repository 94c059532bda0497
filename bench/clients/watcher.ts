/**
 * One watcher's view of one stream: text position, token accounting and latency, the same for
 * every protocol. A protocol adapter cuts deltas out of its frames and calls `onDelta`; nothing
 * here parses JSON.
 */
import { createHash } from 'node:crypto';
import { LatencyHistogram } from '../measure/latency-histogram.ts';
import { stampSent } from '../upstream/stream-spec.ts';
import { codeLength, decodeBits, indexOfBits, latencyOfBits, nowMs } from '../upstream/token-code.ts';
import type { TextReport, WatcherPlan } from './client-messages.ts';

export type ClientStats = {
  latency: LatencyHistogram;
  firstToken: LatencyHistogram;
  catchUp: LatencyHistogram;
  tokens: number;
  windowTokens: number;
  window: { from: number; to: number };
  lastTokenAt: number;
  frames: number;
  outOfOrder: number;
  errors: string[];
  errorCount: number;
};

export function newStats(): ClientStats {
  return { latency: new LatencyHistogram(), firstToken: new LatencyHistogram(), catchUp: new LatencyHistogram(), tokens: 0, windowTokens: 0, window: { from: 0, to: 0 }, lastTokenAt: 0, frames: 0, outOfOrder: 0, errors: [], errorCount: 0 };
}

export function recordError(stats: ClientStats, message: string): void {
  stats.errorCount++;
  if (stats.errors.length < 5) stats.errors.push(message);
}

export class Watcher {
  readonly plan: WatcherPlan;
  readonly #stats: ClientStats;
  readonly #size: number;
  readonly #collect: boolean;
  /** Characters of message text received. */
  chars = 0;
  /** A token cut across two deltas (never seen in practice, handled anyway). */
  #partial = '';
  #parts: string[] = [];
  finished = false;
  /** Protocol position for resume: Confab cursor, relay seq, SSE characters or event id. */
  position = '';
  startedAt = 0;
  #sawFirst = false;
  resumedAt = 0;
  onFinish: (() => void) | undefined;

  constructor(plan: WatcherPlan, stats: ClientStats, tokenSize: number, collectText: boolean) {
    this.plan = plan;
    this.#stats = stats;
    this.#size = tokenSize;
    this.#collect = collectText;
  }

  onDelta(delta: string, now = nowMs()): void {
    if (delta.length === 0) return;
    if (this.#collect) this.#parts.push(delta);
    const stats = this.#stats;
    const size = this.#size;
    // `base` is the absolute text position of text[0]; a held partial token starts on a token boundary.
    let text = delta;
    let base = this.chars;
    if (this.#partial) {
      text = this.#partial + delta;
      base -= this.#partial.length;
      this.#partial = '';
    }
    this.chars += delta.length;
    const end = base + text.length;
    for (let position = Math.ceil(base / size) * size; position < end; position += size) {
      const at = position - base;
      if (at + codeLength > text.length) {
        this.#partial = text.slice(at);
        break;
      }
      const bits = decodeBits(text, at);
      if (bits < 0 || indexOfBits(bits) !== ((position / size) & 0xff)) stats.outOfOrder++;
      if (bits < 0) continue;
      const latency = latencyOfBits(bits, now);
      stats.latency.record(latency);
      stats.tokens++;
      stats.lastTokenAt = now;
      if (now >= stats.window.from && now < stats.window.to) stats.windowTokens++;
      if (!this.#sawFirst && this.startedAt > 0) {
        this.#sawFirst = true;
        stats.firstToken.record(now - this.startedAt);
      }
      if (this.resumedAt > 0 && now - latency >= this.resumedAt) this.#caughtUp(now);
    }
  }

  /** The start message stamped with its send time (now), which is also when first-token time starts. */
  sendStart(): string {
    this.startedAt = nowMs();
    return stampSent(this.plan.startMessage ?? '', this.startedAt);
  }

  /** Replaces the text with a snapshot's (Confab, when a cursor could not be replayed). */
  resetText(text: string): void {
    this.#parts = this.#collect ? [text] : [];
    this.chars = text.length;
    this.#partial = '';
  }

  finish(now = nowMs()): void {
    if (this.finished) return;
    this.finished = true;
    if (this.resumedAt > 0) this.#caughtUp(now);
    this.onFinish?.();
  }

  /** A dropped watcher reconnects now: catch-up is timed from here. */
  markResuming(now = nowMs()): void {
    this.resumedAt = now;
  }

  #caughtUp(now: number): void {
    this.#stats.catchUp.record(now - this.resumedAt);
    this.resumedAt = 0;
  }

  textReport(): TextReport {
    const text = this.#parts.join('');
    return { conversationId: this.plan.conversationId, length: text.length, sha1: createHash('sha1').update(text).digest('hex') };
  }
}
