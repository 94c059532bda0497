/**
 * The active terminal's text, for Add Terminal Output. VS Code has no stable API to read a
 * terminal's buffer; its own commands can copy the selection (or select everything first) to the
 * clipboard. A marker put on the clipboard beforehand tells whether anything was selected, and the
 * user's clipboard is put back afterwards.
 */
import type { Vscode } from './vscode-types.ts';

export async function readTerminalText(vscode: Vscode, marker = `confab-no-selection-${Date.now()}`): Promise<string> {
  const { commands, env } = vscode;
  const saved = await env.clipboard.readText();
  try {
    await env.clipboard.writeText(marker);
    await commands.executeCommand('workbench.action.terminal.copySelection');
    let text = await env.clipboard.readText();
    if (text === marker) {
      await commands.executeCommand('workbench.action.terminal.selectAll');
      await commands.executeCommand('workbench.action.terminal.copySelection');
      await commands.executeCommand('workbench.action.terminal.clearSelection');
      text = await env.clipboard.readText();
    }
    return text === marker ? '' : text;
  } finally {
    await env.clipboard.writeText(saved);
  }
}
