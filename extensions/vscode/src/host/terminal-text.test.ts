import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readTerminalText } from './terminal-text.ts';
import { createFakeVscode } from './testing/fake-vscode.ts';

/** A terminal as VS Code's commands see it: a buffer, a selection, copy to the clipboard. */
function terminal(fake: ReturnType<typeof createFakeVscode>, buffer: string) {
  let selected: string | null = null;
  const ran: string[] = [];
  const register = (name: string, action: () => unknown) => fake.vscode.commands.registerCommand(name, () => (ran.push(name), action()));
  register('workbench.action.terminal.copySelection', () => (selected === null ? undefined : fake.vscode.env.clipboard.writeText(selected)));
  register('workbench.action.terminal.selectAll', () => void (selected = buffer));
  register('workbench.action.terminal.clearSelection', () => void (selected = null));
  return { ran, selected: () => selected };
}

describe('terminal text', () => {
  test("the terminal's selection when it has one, without touching the clipboard", async () => {
    const fake = createFakeVscode();
    const term = terminal(fake, '$ ls\na b\n');
    assert.equal(await readTerminalText(fake.vscode, { name: 'bash', selection: 'a b' }), 'a b');
    assert.deepEqual(term.ran, []);
  });

  test('everything it shows when nothing is selected; the selection made for it is cleared and the clipboard given back', async () => {
    const fake = createFakeVscode();
    await fake.vscode.env.clipboard.writeText('mine');
    const term = terminal(fake, '$ npm test\n1 failed\n');
    assert.equal(await readTerminalText(fake.vscode, { name: 'bash' }), '$ npm test\n1 failed\n');
    assert.deepEqual(term.ran, ['workbench.action.terminal.selectAll', 'workbench.action.terminal.copySelection', 'workbench.action.terminal.clearSelection']);
    assert.equal(term.selected(), null);
    assert.equal(fake.clipboard(), 'mine');
  });

  test("an empty terminal gives an empty string, not the user's clipboard", async () => {
    const fake = createFakeVscode();
    await fake.vscode.env.clipboard.writeText('mine');
    terminal(fake, '');
    assert.equal(await readTerminalText(fake.vscode, { name: 'bash' }), '');
  });
});
