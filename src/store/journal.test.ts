import { after, it } from 'node:test';
import { runJournalContract } from './journal-contract.ts';
import { disposeJournalBackends, selectedJournalBackends } from './journal-test-backends.ts';

/**
 * Runs the Journal contract over the journals named in CONFAB_TEST_JOURNALS (default
 * `sqlite,postgres`, `postgres` when a Postgres answers: see journal-test-backends.ts).
 */
after(disposeJournalBackends);
const { selected, skipped } = await selectedJournalBackends();
for (const backend of selected) runJournalContract(backend);
for (const { name, reason } of skipped) it(`Journal contract: ${name}`, { skip: reason }, () => {});
