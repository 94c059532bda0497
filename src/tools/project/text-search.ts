import type { Dirent } from 'node:fs';
import { readdirSync } from 'node:fs';
import type { Confinement } from './anchored-open.ts';
import { DescriptorLedger, openChildDirectorySync, openChildFileSync, readUpTo } from './anchored-walk.ts';
import type { WalkedFile } from './anchored-walk.ts';
import { looksBinary } from './file-probe.ts';
import { opaqueDirectories } from './opaque-directories.ts';

/**
 * Where the search starts, already opened and confined to the project by the caller (see
 * anchored-open.ts), who keeps it open until the search has ended: a directory's anchor, or a
 * regular file's descriptor, which is read and never closed here.
 */
export type SearchStart = { kind: 'directory'; anchor: string } | { kind: 'file'; fd: number; size: number };

/** Everything the search needs, plain data so it can cross into a worker thread. */
export type SearchRequest = {
  start: SearchStart;
  confinement: Confinement;
  /** How `realStart` is shown in results: a project-relative path, `.` for the root. */
  displayStart: string;
  pattern: string;
  flags: string;
  maxResults: number;
  /** Files larger than this are skipped. */
  maxFileBytes: number;
  /** Stop (truncated) before reading more than this in all. */
  maxScanBytes: number;
  /** Time, from the start of `searchFiles`, after which the search stops (truncated). */
  timeLimitMs: number;
};

export type SearchMatch = { path: string; line: number; text: string };

export type SearchStopReason = 'max-results' | 'byte-limit' | 'time-limit';

export type SearchSummary = { filesScanned: number; truncated: boolean; reason?: SearchStopReason };

export const maxMatchTextLength = 300;

/**
 * Synchronous on purpose: it runs in a worker thread (search-worker.ts) that the caller kills when
 * a regular expression backtracks past the deadline, since a running `RegExp` cannot be interrupted
 * from inside. The deadline checks here make the common case end politely with what was found.
 * Symbolic links are never followed and children are opened through their parent's descriptor
 * (anchored-walk.ts), so the walk cannot leave the project or loop, and only regular files are read.
 * Descriptors go through `ledger`, so the caller can close what a killed worker left open.
 */
export function searchFiles(
  request: SearchRequest,
  emit: (matches: SearchMatch[]) => void,
  ledger: DescriptorLedger = new DescriptorLedger(DescriptorLedger.allocate()),
): SearchSummary {
  const regex = new RegExp(request.pattern, request.flags);
  const deadline = Date.now() + request.timeLimitMs;
  let found = 0;
  let filesScanned = 0;
  let bytesScanned = 0;

  const searchFile = (file: Pick<WalkedFile, 'fd' | 'size'>, displayPath: string): SearchStopReason | undefined => {
    if (file.size > request.maxFileBytes) return undefined;
    if (bytesScanned + file.size > request.maxScanBytes) return 'byte-limit';
    const bytes = readUpTo(file.fd, file.size);
    bytesScanned += bytes.length;
    filesScanned++;
    if (looksBinary(bytes)) return undefined;
    const lines = bytes.toString('utf8').split('\n');
    const matches: SearchMatch[] = [];
    let stop: SearchStopReason | undefined;
    for (let index = 0; index < lines.length; index++) {
      if (index % 1000 === 999 && Date.now() > deadline) {
        stop = 'time-limit';
        break;
      }
      const match = regex.exec(lines[index]);
      if (!match) continue;
      if (found === request.maxResults) {
        stop = 'max-results';
        break;
      }
      found++;
      matches.push({ path: displayPath, line: index + 1, text: excerpt(lines[index], match.index) });
    }
    if (matches.length > 0) emit(matches);
    return stop;
  };

  const walk = (anchor: string, displayDirectory: string): SearchStopReason | undefined => {
    let children: Dirent[];
    try {
      children = readdirSync(anchor, { withFileTypes: true });
    } catch {
      return undefined;
    }
    children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const child of children) {
      if (Date.now() > deadline) return 'time-limit';
      const displayPath = displayDirectory === '.' ? child.name : `${displayDirectory}/${child.name}`;
      let stop: SearchStopReason | undefined;
      if (child.isDirectory() && !opaqueDirectories.has(child.name)) {
        // Undefined when it is no longer a directory, or the ledger is full (64 levels deep).
        const directory = openChildDirectorySync(anchor, child.name, request.confinement, ledger);
        if (directory) {
          try {
            stop = walk(directory.anchor, displayPath);
          } finally {
            directory.close();
          }
        }
      } else if (child.isFile()) {
        stop = searchChild(anchor, child.name, displayPath);
      }
      if (stop) return stop;
    }
    return undefined;
  };

  const searchChild = (anchor: string, name: string, displayPath: string): SearchStopReason | undefined => {
    let file: WalkedFile | undefined;
    try {
      file = openChildFileSync(anchor, name, request.confinement, ledger);
      return file ? searchFile(file, displayPath) : undefined;
    } catch {
      // Unreadable or vanished mid-walk: skip it like a binary file.
      return undefined;
    } finally {
      file?.close();
    }
  };

  const { start } = request;
  const reason = start.kind === 'directory' ? walk(start.anchor, request.displayStart) : searchFile(start, request.displayStart);
  return reason ? { filesScanned, truncated: true, reason } : { filesScanned, truncated: false };
}

/** The matched line, trimmed; a long line is cut to a window around the match. */
export function excerpt(line: string, matchIndex: number): string {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.length <= maxMatchTextLength) return text.trim();
  const from = Math.max(0, Math.min(matchIndex - 100, text.length - maxMatchTextLength));
  const window = text.slice(from, from + maxMatchTextLength).trim();
  return `${from > 0 ? '…' : ''}${window}${from + maxMatchTextLength < text.length ? '…' : ''}`;
}

/** Escapes a literal query for use in a RegExp (no `u` flag). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
