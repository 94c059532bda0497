import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createClient, type ConfabClient, type ReconnectOptions } from '../client/index.ts';
import { readServerFile } from '../server/server-file.ts';
import { UsageError } from './cli-args.ts';

export const defaultUrl = 'http://127.0.0.1:4317';
export const defaultDataDir = './.confab';

/** Where the CLI connects, and where its token came from (for error messages). */
export type ConnectionSettings = {
  url: string;
  token: string | undefined;
  /** `--token`, `CONFAB_TOKEN`, or the token file's path; null when no token was found. */
  tokenSource: string | null;
  /** The token file that was (or would have been) read. */
  tokenFile: string;
};

/**
 * The URL from `--url`, `CONFAB_URL`, the `<data-dir>/server.json` of a running `confab serve`, or
 * http://127.0.0.1:4317; the token from `--token`, `CONFAB_TOKEN`, or `<data-dir>/token`
 * (`--data-dir`, default ./.confab: where `confab serve` writes both files).
 */
export async function resolveConnection(
  values: { url?: string; token?: string; 'data-dir'?: string },
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<ConnectionSettings> {
  const dataDir = resolve(cwd, values['data-dir'] ?? defaultDataDir);
  const given = values.url ?? (env.CONFAB_URL?.trim() || undefined);
  const url = (given ?? (await readServerFile(dataDir))?.url ?? defaultUrl).replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url must be an http(s) URL such as ${defaultUrl}, got "${url}".`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--url must be an http(s) URL such as ${defaultUrl}, got "${url}".`);
  const tokenFile = join(dataDir, 'token');
  if (values.token !== undefined) return { url, token: values.token, tokenSource: '--token', tokenFile };
  const fromEnv = env.CONFAB_TOKEN?.trim();
  if (fromEnv) return { url, token: fromEnv, tokenSource: 'CONFAB_TOKEN', tokenFile };
  const fromFile = await readTokenFile(tokenFile);
  return { url, token: fromFile, tokenSource: fromFile === undefined ? null : tokenFile, tokenFile };
}

async function readTokenFile(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim() || undefined;
  } catch {
    // Missing or unreadable: the server's 401 then explains where a token is looked for.
    return undefined;
  }
}

/**
 * The SDK client the commands use. Reconnects are bounded so a command never waits forever for a
 * server that went away: ten attempts (about 90 s with the default back-off), then the connection reports `closed`.
 */
export function connect(settings: ConnectionSettings, reconnect: Partial<ReconnectOptions> = { maxAttempts: 10 }): ConfabClient {
  return createClient({ url: settings.url, token: settings.token, reconnect });
}

/** Where a token is looked for, for messages. */
export function tokenHelp(settings: ConnectionSettings): string {
  return `Pass --token, set CONFAB_TOKEN, or point --data-dir at the directory \`confab serve\` uses (token read from ${settings.tokenFile}).`;
}

/** The connection options, as every command's help lists them. */
export const connectionHelp = `  --url URL         Confab server (default: $CONFAB_URL, else the URL a running \`confab serve\`
                    recorded in --data-dir, else ${defaultUrl}).
  --token TOKEN     Access token (default: $CONFAB_TOKEN, else the token file in --data-dir).
  --data-dir DIR    The data directory of \`confab serve\`, holding its token and URL (default
                    ${defaultDataDir}).`;
