import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type ResolvedToken = { token: string; source: 'env' | 'file' };

/**
 * The access token: `CONFAB_TOKEN` when set, else the one in `<dataDir>/token`, generated on first
 * use (256 random bits, base64url, file mode 0600) and reused on every later start.
 */
export async function resolveToken(options: { env: Record<string, string | undefined>; dataDir: string }): Promise<ResolvedToken> {
  const fromEnv = options.env.CONFAB_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, source: 'env' };
  const path = join(options.dataDir, 'token');
  const existing = await readToken(path);
  if (existing) return { token: existing, source: 'file' };
  await mkdir(options.dataDir, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  try {
    await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as { code?: string }).code === 'EEXIST') {
      const raced = await readToken(path);
      if (raced) return { token: raced, source: 'file' };
    }
    throw error;
  }
  return { token, source: 'file' };
}

async function readToken(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim() || undefined;
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
}
