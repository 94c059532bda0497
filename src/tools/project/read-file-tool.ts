import { z } from 'zod';
import { ConfabError } from '../../domain/errors.ts';
import type { Tool } from '../tool.ts';
import { formatBytes } from '../utf8-truncate.ts';
import { openFileInProject } from './anchored-open.ts';
import { toProjectPath } from './confine-path.ts';
import { probeFile } from './file-probe.ts';
import { readLines } from './line-reader.ts';

export type ReadFileOptions = {
  /** Files larger than this are read only with a line range. Default 1 MiB. */
  maxFileBytes?: number;
  /**
   * Cap on the returned content. Default 48 KiB: below the registry's 64 KiB output cap with room
   * for JSON escaping, so a capped read arrives as a readable object, not a cut-off JSON string.
   */
  maxContentBytes?: number;
  /** See `readLines`. */
  maxScanBytes?: number;
};

export type ReadFileOutput =
  | {
      path: string;
      content: string;
      startLine: number;
      endLine: number;
      totalLines: number | null;
      truncated: boolean;
    }
  | { path: string; binary: true; size: number };

const ReadFileInputSchema = z
  .object({
    path: z.string().min(1).describe('File to read, relative to the project root.'),
    startLine: z.number().int().min(1).optional().describe('First line to read (1-based). Default 1.'),
    endLine: z.number().int().min(1).optional().describe('Last line to read (inclusive). Default: the last line.'),
  })
  .refine((input) => input.startLine === undefined || input.endLine === undefined || input.startLine <= input.endLine, {
    message: 'startLine must not be after endLine',
    path: ['endLine'],
  });

type ReadFileInput = z.infer<typeof ReadFileInputSchema>;

export function createReadFileTool(options: ReadFileOptions = {}): Tool<ReadFileInput> {
  const maxFileBytes = options.maxFileBytes ?? 1024 * 1024;
  const maxContentBytes = options.maxContentBytes ?? 48 * 1024;
  return {
    name: 'read_file',
    description:
      'Read a text file from the project, optionally a range of lines (1-based, inclusive). ' +
      `Files over ${formatBytes(maxFileBytes)} need startLine/endLine. Content over ${formatBytes(maxContentBytes)} ` +
      'is cut at a line boundary with `truncated: true`; continue from endLine + 1. Binary files are reported, not read.',
    input: ReadFileInputSchema,
    async execute(input, context): Promise<ReadFileOutput> {
      const file = await openFileInProject(context.projectRoot, input.path);
      try {
        const displayPath = toProjectPath(input.path);
        const probe = await probeFile(file);
        if (probe.binary) return { path: displayPath, binary: true, size: probe.size };
        const ranged = input.startLine !== undefined || input.endLine !== undefined;
        if (!ranged && probe.size > maxFileBytes) {
          throw new ConfabError(
            'bad_request',
            `${displayPath} is ${probe.size} bytes, over the ${formatBytes(maxFileBytes)} limit: read it in parts with startLine and endLine`,
          );
        }
        const slice = await readLines(
          file.handle,
          { start: input.startLine, end: input.endLine },
          { maxBytes: maxContentBytes, maxScanBytes: options.maxScanBytes, signal: context.signal },
        );
        return { path: displayPath, ...slice };
      } finally {
        await file.close();
      }
    },
  };
}
