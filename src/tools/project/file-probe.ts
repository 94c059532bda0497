import { open, stat } from 'node:fs/promises';
import { ConfabError } from '../../domain/errors.ts';

export type FileProbe = { size: number; binary: boolean };

/** How much of a file is looked at to decide whether it is binary. */
export const binarySniffBytes = 8 * 1024;

/** Git's rule of thumb: a NUL byte near the start means binary. */
export function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, binarySniffBytes).includes(0);
}

/**
 * Size and binary-ness of a regular file. Directories and special files (FIFOs, devices, sockets)
 * are refused: reading a FIFO would block the tool until someone writes to it.
 */
export async function probeFile(realPath: string, displayPath: string): Promise<FileProbe> {
  const stats = await stat(realPath);
  if (stats.isDirectory()) throw new ConfabError('bad_request', `${displayPath} is a directory, not a file`);
  if (!stats.isFile()) throw new ConfabError('bad_request', `${displayPath} is not a regular file`);
  const handle = await open(realPath, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(binarySniffBytes, stats.size));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return { size: stats.size, binary: looksBinary(buffer.subarray(0, bytesRead)) };
  } finally {
    await handle.close();
  }
}
