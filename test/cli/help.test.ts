import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from './support/cli-process.ts';

// None of these reach a server: help and usage errors are answered before connecting.
const noServer = { env: { CONFAB_URL: 'http://127.0.0.1:9' } };

describe('confab help and usage errors', () => {
  test('--help on every command and subcommand prints its usage and examples, exit 0', async () => {
    const commands = [
      ['ask'],
      ['chat'],
      ['conversations', 'list'],
      ['conversations', 'show'],
      ['conversations', 'delete'],
      ['projects', 'add'],
      ['projects', 'list'],
      ['projects', 'remove'],
    ];
    const results = await Promise.all(commands.map((command) => runCli([...command, '--help'], noServer)));
    results.forEach((result, index) => {
      const name = commands[index].join(' ');
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      assert.ok(result.stdout.startsWith(`Usage: confab ${name}`), `${name}: ${result.stdout}`);
      assert.match(result.stdout, /Examples?:\n {2}confab /, name);
      assert.match(result.stdout, /--url URL/, name);
    });
    const groups = await Promise.all([runCli(['conversations', '--help'], noServer), runCli(['projects', '-h'], noServer), runCli(['--help'], noServer)]);
    assert.ok(groups[0].stdout.startsWith('Usage: confab conversations <list|show|delete>'));
    assert.ok(groups[1].stdout.startsWith('Usage: confab projects <add|list|remove>'));
    assert.match(groups[2].stdout, /\n {2}ask +Ask one question[\s\S]*\n {2}chat +[\s\S]*\n {2}conversations +[\s\S]*\n {2}projects +/);
    for (const group of groups) assert.equal(group.code, 0);
  });

  test('unknown commands, subcommands and flags are usage errors: exit 2 with a hint', async () => {
    const [command, subcommand, missing, flag, argument] = await Promise.all([
      runCli(['frobnicate'], noServer),
      runCli(['projects', 'frobnicate'], noServer),
      runCli(['conversations'], noServer),
      runCli(['chat', '--frobnicate'], noServer),
      runCli(['chat', 'hello'], noServer),
    ]);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /unknown command "frobnicate"[\s\S]*Usage: confab <command>/);
    assert.equal(subcommand.code, 2);
    assert.match(subcommand.stderr, /unknown subcommand "frobnicate"; expected one of: add, list, remove\.\nRun "confab projects --help"/);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^Usage: confab conversations/);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /Unknown option '--frobnicate'[\s\S]*Run "confab chat --help" for usage and examples\./);
    assert.equal(argument.code, 2);
    assert.match(argument.stderr, /unexpected argument "hello"/);
  });
});
