import type { FileHandle } from 'node:fs/promises';

export type FileProbe = { size: number; binary: boolean };

/** How much of a file is looked at to decide whether it is binary. */
export const binarySniffBytes = 8 * 1024;

/** Git's rule of thumb: a NUL byte near the start means binary. */
export function looksBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, binarySniffBytes).includes(0);
}

/**
 * Size and binary-ness of a regular file already open (anchored-open.ts refuses directories and
 * special files before anything is read). Reads from offset 0; the handle's position is untouched.
 */
export async function probeFile(file: { handle: FileHandle; size: number }): Promise<FileProbe> {
  const buffer = Buffer.alloc(Math.min(binarySniffBytes, file.size));
  const { bytesRead } = await file.handle.read(buffer, 0, buffer.length, 0);
  return { size: file.size, binary: looksBinary(buffer.subarray(0, bytesRead)) };
}
