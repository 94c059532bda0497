import type { FileHandle } from 'node:fs/promises';
import { ConfabError } from '../../domain/errors.ts';
import { utf8SafeCut } from '../utf8-truncate.ts';

/** 1-based, inclusive. A missing start means line 1; a missing end means the last line. */
export type LineRequest = { start?: number; end?: number };

export type LineSlice = {
  /** The exact bytes of lines `startLine..endLine`, line endings included. */
  content: string;
  startLine: number;
  /** Last line included; `startLine - 1` when the slice is empty (an empty file). */
  endLine: number;
  /** Null when the file was too big to count to the end (see `maxScanBytes`). */
  totalLines: number | null;
  /** True when `maxBytes` cut the slice short of the requested end. */
  truncated: boolean;
};

export type ReadLinesOptions = {
  /** Cap on `content`. Whole lines are kept while they fit; a first line alone too long is cut. */
  maxBytes: number;
  /** Once this much is read and the range is complete, stop instead of counting every line. */
  maxScanBytes?: number;
  signal?: AbortSignal;
};

export const defaultMaxScanBytes = 256 * 1024 * 1024;

/**
 * Streams an open file from its start and returns a range of its lines, never holding more than the
 * capped slice (plus one read chunk) in memory, so a line range of a multi-gigabyte log costs a
 * read, not its size. Lines end at `\n`; a final line without one still counts. The handle stays
 * open (the caller closes it): the file is read through it, never opened again by name.
 */
export async function readLines(handle: FileHandle, request: LineRequest, options: ReadLinesOptions): Promise<LineSlice> {
  const start = request.start ?? 1;
  const end = request.end ?? Number.POSITIVE_INFINITY;
  if (start > end) throw new ConfabError('bad_request', `Line range start (${start}) is after its end (${end})`);
  const maxBytes = options.maxBytes;
  const maxScanBytes = options.maxScanBytes ?? defaultMaxScanBytes;

  let line = 1;
  let lineHasBytes = false;
  let totalLines = 0;
  let scanned = 0;
  let countedToEnd = true;
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let lastKeptLine = start - 1;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineBytes = 0;
  let collecting = true;
  let truncated = false;

  const finishLine = () => {
    if (keptBytes + lineBytes <= maxBytes) {
      kept.push(...pending);
      keptBytes += lineBytes;
      lastKeptLine = line;
    } else {
      if (keptBytes === 0) {
        const joined = Buffer.concat(pending);
        const cut = utf8SafeCut(joined, maxBytes);
        kept.push(joined.subarray(0, cut));
        keptBytes = cut;
        lastKeptLine = line;
      }
      truncated = true;
      collecting = false;
    }
    pending = [];
    pendingBytes = 0;
    lineBytes = 0;
  };

  for await (const chunk of readChunks(handle, options.signal)) {
    scanned += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      const newline = chunk.indexOf(10, offset);
      const segmentEnd = newline === -1 ? chunk.length : newline + 1;
      if (!lineHasBytes) {
        lineHasBytes = true;
        totalLines = line;
      }
      if (collecting && line >= start && line <= end) {
        lineBytes += segmentEnd - offset;
        // Hold at most what could still be kept (+4 to find a character boundary when cutting).
        if (keptBytes + pendingBytes < maxBytes + 4) {
          pending.push(chunk.subarray(offset, segmentEnd));
          pendingBytes += segmentEnd - offset;
        }
        if (newline !== -1) finishLine();
      }
      if (newline !== -1) {
        line++;
        lineHasBytes = false;
      }
      offset = segmentEnd;
    }
    if (line > end && scanned >= maxScanBytes) {
      countedToEnd = false;
      break;
    }
  }
  if (collecting && lineHasBytes && line >= start && line <= end) finishLine();

  if (countedToEnd && request.start !== undefined && start > totalLines) {
    throw new ConfabError('bad_request', `Line ${start} is beyond the end of the file (${totalLines} lines)`);
  }
  const endLine = truncated ? lastKeptLine : countedToEnd ? Math.min(end, totalLines) : end;
  return {
    content: Buffer.concat(kept).toString('utf8'),
    startLine: start,
    endLine: Math.max(endLine, start - 1),
    totalLines: countedToEnd ? totalLines : null,
    truncated,
  };
}

/**
 * The file's bytes from offset 0, 64 KiB at a time, each chunk a fresh buffer (slices of it are
 * kept). Not `handle.createReadStream`: destroying that stream (an abort) closes the handle even
 * with `autoClose: false`, and the handle is the caller's.
 */
async function* readChunks(handle: FileHandle, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  let position = 0;
  for (;;) {
    signal?.throwIfAborted();
    const buffer = Buffer.allocUnsafe(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}
