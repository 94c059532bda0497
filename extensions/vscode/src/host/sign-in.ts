/**
 * "Confab: Sign In": the server URL (prefilled from `confab.serverUrl`; the hand-off link `confab
 * serve` prints, `http://host:port/?token=…`, gives both at once), then the token in a password box.
 * The token is checked against the server before it is stored in SecretStorage.
 */
import type { ConfabConnection } from './connection.ts';
import { normalizeServerUrl } from './connection.ts';
import { describeError } from './describe-error.ts';
import type { Vscode } from './vscode-types.ts';

/** `http://h:1/?token=T` → `{ url: 'http://h:1', token: 'T' }`; a plain URL has no token; anything else is null. */
export function parseServerInput(text: string): { url: string; token: string | null } | null {
  let parsed: URL;
  try {
    parsed = new URL(text.trim());
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  const token = parsed.searchParams.get('token');
  return { url: normalizeServerUrl(`${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`), token: token || null };
}

export async function signIn(vscode: Vscode, connection: ConfabConnection): Promise<boolean> {
  const { window, workspace, ConfigurationTarget } = vscode;
  const typed = await window.showInputBox({
    title: 'Confab: server URL (1/2)',
    prompt: 'The URL of your Confab server, or the whole link `confab serve` printed (it carries the token).',
    value: connection.url,
    ignoreFocusOut: true,
    validateInput: (value) => (parseServerInput(value) ? null : 'An http:// or https:// URL, e.g. http://127.0.0.1:4317'),
  });
  const server = typed === undefined ? null : parseServerInput(typed);
  if (!server) return false;
  const token =
    server.token ??
    (await window.showInputBox({
      title: 'Confab: access token (2/2)',
      prompt: `The token of ${server.url}: the part after ?token= in the link \`confab serve\` printed, or the file token in its data directory.`,
      password: true,
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() === '' ? 'The token cannot be empty.' : null),
    }));
  if (!token) return false;
  try {
    await connection.signIn(server.url, token.trim());
  } catch (error) {
    void window.showErrorMessage(`Confab: not signed in to ${server.url}. ${describeError(error)}`);
    return false;
  }
  const configuration = workspace.getConfiguration('confab');
  if (normalizeServerUrl(configuration.get<string>('serverUrl', '')) !== server.url) {
    await configuration.update('serverUrl', server.url, ConfigurationTarget.Global);
  }
  void window.showInformationMessage(`Signed in to Confab at ${server.url}.`);
  return true;
}

export async function signOut(vscode: Vscode, connection: ConfabConnection): Promise<void> {
  await connection.signOut();
  void vscode.window.showInformationMessage(`Signed out of Confab at ${connection.url}; the token was removed from this machine's secret storage.`);
}
