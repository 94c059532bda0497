import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { HeldOutput } from './held-output.ts';

class FakeTerminal extends EventEmitter {
  written = '';
  columns = 80;
  rows = 24;
  isTTY = true;
  write(chunk: string, callback?: () => void): boolean {
    this.written += chunk;
    callback?.();
    return true;
  }
}

test('HeldOutput drops writes while held (still calling their callbacks), passes them on otherwise, and relays resize', async () => {
  const terminal = new FakeTerminal();
  const output = new HeldOutput(terminal as unknown as NodeJS.WritableStream);
  let called = 0;
  output.write('typed', () => called++);
  await Promise.resolve();
  assert.equal(terminal.written, '');
  assert.equal(called, 1);
  output.held = false;
  output.write('> typed', () => called++);
  assert.equal(terminal.written, '> typed');
  assert.equal(called, 2);
  assert.deepEqual([output.columns, output.rows, output.isTTY], [80, 24, true]);
  let resized = 0;
  output.on('resize', () => resized++);
  terminal.emit('resize');
  output.close();
  terminal.emit('resize');
  assert.equal(resized, 1);
});
