import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { ConfabError } from '../../domain/errors.ts';
import type { Tool } from '../tool.ts';
import { formatBytes } from '../utf8-truncate.ts';
import { defaultConfinement, openInProject } from './anchored-open.ts';
import type { OpenedEntry } from './anchored-open.ts';
import { DescriptorLedger } from './anchored-walk.ts';
import { toProjectPath } from './confine-path.ts';
import { SearchSlots } from './search-slots.ts';
import type { SearchWorkerData, SearchWorkerMessage } from './search-worker.ts';
import { escapeRegExp } from './text-search.ts';
import type { SearchMatch, SearchStopReason } from './text-search.ts';

export type SearchTextOptions = {
  /** Files larger than this are skipped. Default 1 MiB. */
  maxFileBytes?: number;
  /** Total bytes read per search before it stops with `truncated`. Default 32 MiB. */
  maxScanBytes?: number;
  /** Time per search before it stops with `truncated`. Default 5 s. */
  timeLimitMs?: number;
  /** Searches (worker threads) running at once per tool instance; more wait their turn. Default 4. */
  maxConcurrentSearches?: number;
  /** How long a search waits for a free slot before it fails as busy. Default 30 s. */
  maxSlotWaitMs?: number;
};

export type SearchTextOutput = { matches: SearchMatch[]; truncated: boolean; reason?: SearchStopReason };

/** How long past its deadline a search may take to stop by itself before its worker is killed. */
const killGraceMs = 500;

const SearchTextInputSchema = z.object({
  query: z.string().min(1).max(1000).describe('Text to find, or a JavaScript regular expression when `regex` is true.'),
  path: z.string().default('.').describe('File or directory to search, relative to the project root. Default: the root.'),
  regex: z.boolean().default(false).describe('Treat `query` as a regular expression. Default false.'),
  caseSensitive: z.boolean().default(false).describe('Match case exactly. Default false.'),
  maxResults: z.number().int().min(1).max(200).default(50).describe('Most matches to return (1-200). Default 50.'),
});

type SearchTextInput = z.infer<typeof SearchTextInputSchema>;

export function createSearchTextTool(options: SearchTextOptions = {}): Tool<SearchTextInput> {
  const maxFileBytes = options.maxFileBytes ?? 1024 * 1024;
  const maxScanBytes = options.maxScanBytes ?? 32 * 1024 * 1024;
  const timeLimitMs = options.timeLimitMs ?? 5000;
  const slots = new SearchSlots(options.maxConcurrentSearches ?? 4, options.maxSlotWaitMs);
  return {
    name: 'search_text',
    description:
      'Search the text files of the project line by line; returns matching lines as { path, line, text }. ' +
      `Skips .git, node_modules, binary files, symbolic links and files over ${formatBytes(maxFileBytes)}. ` +
      'A search that hits maxResults, the scan limit or the time limit returns what it found with `truncated: true` and a reason.',
    input: SearchTextInputSchema,
    async execute(input, context): Promise<SearchTextOutput> {
      const pattern = input.regex ? input.query : escapeRegExp(input.query);
      const flags = input.caseSensitive ? '' : 'i';
      try {
        new RegExp(pattern, flags);
      } catch (error) {
        throw new ConfabError('bad_request', (error as Error).message);
      }
      const release = await slots.acquire(context.signal);
      let start: OpenedEntry;
      try {
        start = await openInProject(context.projectRoot, input.path);
      } catch (error) {
        release();
        throw error;
      }
      const ledger = DescriptorLedger.allocate();
      const search = runInWorker(
        {
          request: {
            start: start.kind === 'file' ? { kind: 'file', fd: start.handle.fd, size: start.size } : { kind: 'directory', anchor: start.anchor },
            confinement: defaultConfinement,
            displayStart: toProjectPath(input.path),
            pattern,
            flags,
            maxResults: input.maxResults,
            maxFileBytes,
            maxScanBytes,
            timeLimitMs,
          },
          ledger,
        },
        timeLimitMs + killGraceMs,
        context.signal,
      );
      // The worker reads through `start` and the descriptors in `ledger` until its thread is gone
      // (not merely told to stop): only then are they closed and the slot given back.
      void search.exited.then(async () => {
        new DescriptorLedger(ledger).closeAll();
        await start.close().catch(() => {});
        release();
      });
      return search.result;
    },
  };
}

/**
 * Runs the search in a worker thread: a catastrophic regular expression blocks the thread running
 * it, and only a worker can be stopped from outside (`terminate`). Matches stream back per file, so
 * a search killed at its deadline still returns what it had found. Both the search's own deadline
 * and the kill timer start once the worker has loaded, so a slow thread start does not eat the budget.
 */
function runInWorker(
  data: SearchWorkerData,
  killAfterMs: number,
  signal: AbortSignal,
): { result: Promise<SearchTextOutput>; exited: Promise<void> } {
  let worker: Worker;
  try {
    signal.throwIfAborted();
    worker = new Worker(new URL('./search-worker.ts', import.meta.url), {
      workerData: data,
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
  } catch (error) {
    return { result: Promise.reject(error), exited: Promise.resolve() };
  }
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const result = new Promise<SearchTextOutput>((resolve, reject) => {
    const matches: SearchMatch[] = [];
    const { maxResults } = data.request;
    let settled = false;
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      signal.removeEventListener('abort', onAbort);
      void worker.terminate();
      finish();
    };
    const onAbort = () => settle(() => reject(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: SearchWorkerMessage) => {
      if (message.type === 'started') {
        killTimer = setTimeout(() => settle(() => resolve({ matches, truncated: true, reason: 'time-limit' })), killAfterMs);
        return;
      }
      if (message.type === 'matches') {
        matches.push(...message.matches.slice(0, maxResults - matches.length));
        return;
      }
      const { truncated, reason } = message.summary;
      settle(() => resolve(truncated ? { matches, truncated, reason } : { matches, truncated }));
    });
    worker.on('error', (error) => settle(() => reject(new Error(`Search failed: ${error.message}`))));
    worker.on('exit', () => settle(() => reject(new Error('Search stopped unexpectedly'))));
  });
  return { result, exited };
}
