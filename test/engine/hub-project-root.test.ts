import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../src/store/memory/memory-store.ts';
import type { Project } from '../../src/domain/schemas.ts';
import { EventCollector, isRunEnd, makeHub } from '../support/hub-fixture.ts';
import { ScriptedSource } from '../support/scripted-source.ts';

/** A store that loses the project record while its conversations stay (a race another node could cause). */
class ProjectlessStore extends MemoryStore {
  /** Lookups still answered before the project disappears (the send's own lookup). */
  lookupsLeft = Infinity;
  override async getProject(name: string): Promise<Project | undefined> {
    return this.lookupsLeft-- > 0 ? super.getProject(name) : undefined;
  }
}

describe('a run works in its project directory and nowhere else', () => {
  it('a run whose project is gone fails with a stated reason; no step runs and no other directory is used', async () => {
    const store = new ProjectlessStore();
    const source = new ScriptedSource();
    const fixture = await makeHub(source, { store });
    try {
      const { hub, conversation } = fixture;
      const events = new EventCollector(await hub.subscribe(conversation.id));
      store.lookupsLeft = 1;
      await hub.send(conversation.id, { content: 'read the README' });
      const end = await events.waitFor(isRunEnd);
      assert.equal(end.type, 'run-failed');
      assert.equal(end.type === 'run-failed' && end.data.run.error?.code, 'not_found');
      assert.match(end.type === 'run-failed' ? end.data.run.error!.message : '', /project "demo" no longer exists/);
      assert.equal(source.requests.length, 0, 'the model was never asked');
      events.close();
    } finally {
      store.lookupsLeft = Infinity;
      await fixture.cleanup();
    }
  });
});
