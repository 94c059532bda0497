import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readTerminalText } from './terminal-text.ts';
import { createFakeVscode } from './testing/fake-vscode.ts';

/** A terminal as VS Code's commands see it: a buffer, a selection, copy to the clipboard. */
function terminal(fake: ReturnType<typeof createFakeVscode>, buffer: string, selection: string | null) {
  let selected = selection;
  const ran: string[] = [];
  const register = (name: string, action: () => unknown) => fake.vscode.commands.registerCommand(name, () => (ran.push(name), action()));
  register('workbench.action.terminal.copySelection', () => (selected === null ? undefined : fake.vscode.env.clipboard.writeText(selected)));
  register('workbench.action.terminal.selectAll', () => void (selected = buffer));
  register('workbench.action.terminal.clearSelection', () => void (selected = null));
  return { ran, selected: () => selected };
}

describe('terminal text', () => {
  test('the selection when there is one; the clipboard is given back', async () => {
    const fake = createFakeVscode();
    await fake.vscode.env.clipboard.writeText('mine');
    const term = terminal(fake, '$ ls\na b\n', 'a b');
    assert.equal(await readTerminalText(fake.vscode), 'a b');
    assert.deepEqual(term.ran, ['workbench.action.terminal.copySelection']);
    assert.equal(fake.clipboard(), 'mine');
  });

  test('everything when nothing is selected, and the selection made for it is cleared', async () => {
    const fake = createFakeVscode();
    await fake.vscode.env.clipboard.writeText('mine');
    const term = terminal(fake, '$ npm test\n1 failed\n', null);
    assert.equal(await readTerminalText(fake.vscode), '$ npm test\n1 failed\n');
    assert.equal(term.selected(), null);
    assert.equal(fake.clipboard(), 'mine');
  });

  test('an empty terminal gives an empty string, not the marker', async () => {
    const fake = createFakeVscode();
    terminal(fake, '', null);
    assert.equal(await readTerminalText(fake.vscode), '');
  });
});
