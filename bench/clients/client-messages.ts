/** The messages between the bench (parent) and a load-client process, over the fork IPC channel. */
import type { HistogramExport } from '../measure/latency-histogram.ts';

export type ProtocolName = 'confab' | 'relay' | 'ai-sdk' | 'langgraph' | 'upstream';

export type WatcherPlan = {
  conversationId: string;
  /** The user message that starts the stream (it carries the stream spec); set on the one watcher that starts it. */
  startMessage?: string;
  /** For the starter: ms after the `start` command to send it (staggered starts). */
  startDelayMs?: number;
};

export type ClientInit = {
  protocol: ProtocolName;
  baseUrl: string;
  /** Where the starting messages are sent, when not `baseUrl` (the scale-out bench sends through one API node and watches through another). */
  sendUrl?: string;
  token: string;
  tokenSize: number;
  /** Keep every watcher's text (for the exact-text check). */
  collectText: boolean;
  watchers: WatcherPlan[];
};

export type ParentCommand =
  | { cmd: 'init'; init: ClientInit }
  | { cmd: 'connect' }
  /** Starts the streams; tokens arriving within `window` (wall-clock ms) are counted apart, for a steady-state rate. */
  | { cmd: 'start'; window?: { from: number; to: number } }
  /** A stream another process started can now be joined (AI SDK, LangGraph). */
  | { cmd: 'joinable'; conversationId: string; handle: string }
  /** Close every connection now (resume scenario). */
  | { cmd: 'drop' }
  /** Reconnect every watcher at its last position. */
  | { cmd: 'resume' }
  /** Report when every watcher has finished, or at the deadline. */
  | { cmd: 'report'; deadlineMs: number }
  /** Drop every connection and forget the watchers: the process is kept for the next run. */
  | { cmd: 'release' }
  | { cmd: 'close' };

export type TextReport = { conversationId: string; length: number; sha1: string };

export type ClientReport = {
  watchers: number;
  finished: number;
  tokens: number;
  /** Tokens that arrived within the start command's window. */
  windowTokens: number;
  /** Wall-clock ms of the last token seen (0: none). */
  lastTokenAt: number;
  frames: number;
  /** Tokens whose index was not the next one expected (gaps or duplicates). */
  outOfOrder: number;
  latency: HistogramExport;
  /** Per starter: ms from sending the start request to the first token at the starter. */
  firstToken: HistogramExport;
  /** Resume: ms from the reconnect to the first token that was due after the reconnect (or the end). */
  catchUp: HistogramExport;
  texts: TextReport[];
  errors: string[];
  errorCount: number;
  /** This process's CPU time since the start command. */
  cpuMs: number;
};

export type ClientMessage =
  | { type: 'ready' }
  | { type: 'released' }
  | { type: 'connected'; connected: number; failed: number; errors: string[] }
  | { type: 'started'; conversationId: string; handle: string }
  | { type: 'resumed' }
  | { type: 'report'; report: ClientReport };
