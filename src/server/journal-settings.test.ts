import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConfabError } from '../domain/errors.ts';
import { journalSettings, sqliteWriterSetting } from './journal-settings.ts';

it('the journal is on by default, with the default retention', () => {
  assert.deepEqual(journalSettings({}), { enabled: true, retention: { events: 10_000, runs: 3, bytes: 4 * 1024 * 1024 }, checkpointBytes: 1024 * 1024, commitIntervalMs: 2 });
});

it('reads CONFAB_JOURNAL and the retention variables', () => {
  assert.deepEqual(journalSettings({ CONFAB_JOURNAL: 'off', CONFAB_JOURNAL_RETAIN_RUNS: 'x' }), { enabled: false });
  const settings = journalSettings({ CONFAB_JOURNAL: 'on', CONFAB_JOURNAL_RETAIN_EVENTS: '500', CONFAB_JOURNAL_RETAIN_RUNS: '0', CONFAB_JOURNAL_RETAIN_BYTES: '65536', CONFAB_JOURNAL_CHECKPOINT_BYTES: '4096', CONFAB_JOURNAL_COMMIT_INTERVAL_MS: '0' });
  assert.deepEqual(settings, { enabled: true, retention: { events: 500, runs: 0, bytes: 65536 }, checkpointBytes: 4096, commitIntervalMs: 0 });
  assert.deepEqual(journalSettings({ CONFAB_JOURNAL_COMMIT_INTERVAL_MS: '100' }), { ...journalSettings({}), commitIntervalMs: 100 }, 'the bound itself is allowed');
});

it('refuses a bad value with a message naming the variable', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ CONFAB_JOURNAL: 'yes' }, /CONFAB_JOURNAL must be "on" or "off", got "yes"/],
    [{ CONFAB_JOURNAL_RETAIN_EVENTS: '0' }, /CONFAB_JOURNAL_RETAIN_EVENTS must be a whole number of at least 1, got "0"/],
    [{ CONFAB_JOURNAL_RETAIN_BYTES: '1e6' }, /CONFAB_JOURNAL_RETAIN_BYTES must be a whole number/],
    [{ CONFAB_JOURNAL_CHECKPOINT_BYTES: '100' }, /at least 1024/],
    [{ CONFAB_JOURNAL_RETAIN_RUNS: '-1' }, /CONFAB_JOURNAL_RETAIN_RUNS/],
    [{ CONFAB_JOURNAL_COMMIT_INTERVAL_MS: '101' }, /CONFAB_JOURNAL_COMMIT_INTERVAL_MS must be a whole number from 0 to 100, got "101"/],
  ];
  for (const [env, message] of cases) {
    assert.throws(() => journalSettings(env), (error) => ConfabError.is(error, 'bad_request') && message.test((error as Error).message), JSON.stringify(env));
  }
});

it('the SQLite file is written by a worker thread unless CONFAB_SQLITE_WRITER says inline', () => {
  assert.equal(sqliteWriterSetting({}), 'worker');
  assert.equal(sqliteWriterSetting({ CONFAB_SQLITE_WRITER: ' inline ' }), 'inline');
  assert.equal(sqliteWriterSetting({ CONFAB_SQLITE_WRITER: 'worker' }), 'worker');
  assert.throws(
    () => sqliteWriterSetting({ CONFAB_SQLITE_WRITER: 'thread' }),
    (error) => ConfabError.is(error, 'bad_request') && /CONFAB_SQLITE_WRITER must be "worker" or "inline", got "thread"/.test((error as Error).message),
  );
});
