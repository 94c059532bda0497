/**
 * The active terminal's text, for Add Terminal Output: its selection when it has one
 * (`Terminal.selection`), else everything it shows. VS Code has no stable API to read a terminal's
 * buffer, so "everything" goes through the terminal's own commands: Select All, Copy Selection to the
 * clipboard, Clear Selection; the user's clipboard is put back afterwards.
 */
import type { Vscode, api } from './vscode-types.ts';

export async function readTerminalText(vscode: Vscode, terminal: api.Terminal): Promise<string> {
  if (terminal.selection) return terminal.selection;
  const { commands, env } = vscode;
  const saved = await env.clipboard.readText();
  try {
    await env.clipboard.writeText('');
    await commands.executeCommand('workbench.action.terminal.selectAll');
    await commands.executeCommand('workbench.action.terminal.copySelection');
    await commands.executeCommand('workbench.action.terminal.clearSelection');
    return await env.clipboard.readText();
  } finally {
    await env.clipboard.writeText(saved);
  }
}
