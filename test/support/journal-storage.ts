import type { JournalBackend, JournalStorage } from '../../src/store/journal-test-backends.ts';
import { makeProjectDir } from './hub-fixture.ts';

/** Runs `test` on new storage of `backend` and a new project directory, both removed after. */
export async function withJournalStorage(backend: JournalBackend, test: (storage: JournalStorage, projectPath: string) => Promise<void>): Promise<void> {
  const storage = await backend.storage();
  const project = await makeProjectDir();
  try {
    await test(storage, project.path);
  } finally {
    await project.cleanup();
    await storage.dispose();
  }
}
