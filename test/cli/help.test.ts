import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
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
      ['acp'],
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
    assert.equal(flag.stderr, 'confab chat: unknown option "--frobnicate". To pass an argument that starts with "-", put it after "--", as in: -- "--frobnicate"\nRun "confab chat --help" for usage and examples.\n');
    assert.equal(argument.code, 2);
    assert.match(argument.stderr, /unexpected argument "hello"/);
  });

  test('an option without its value, and unknown options of serve and of a subcommand, get balanced messages', async () => {
    const [missingValue, serve, subcommand] = await Promise.all([
      runCli(['ask', '--project'], noServer),
      runCli(['serve', '-x'], noServer),
      runCli(['conversations', 'list', '--frobnicate'], noServer),
    ]);
    assert.equal(missingValue.code, 2);
    assert.equal(missingValue.stderr, 'confab ask: option --project needs a value.\nRun "confab ask --help" for usage and examples.\n');
    assert.equal(serve.code, 2);
    assert.equal(serve.stderr, 'confab serve: unknown option "-x". To pass an argument that starts with "-", put it after "--", as in: -- "-x"\nRun "confab serve --help" for the options.\n');
    assert.equal(subcommand.code, 2);
    assert.match(subcommand.stderr, /^confab conversations list: unknown option "--frobnicate"\. /);
  });

  test('--version and -v print the package version, exit 0', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    const results = await Promise.all([runCli(['--version'], noServer), runCli(['-v'], noServer)]);
    for (const result of results) {
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `confab ${version}\n`);
      assert.equal(result.stderr, '');
    }
  });
});
