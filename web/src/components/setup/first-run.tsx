import { useAppState } from '../../lib/app-store.ts';
import { ProjectForm } from './project-form.tsx';
import { NoModel } from './no-model.tsx';

/** The very first screen: no project yet. Creating one is the only step; models are explained alongside. */
export function FirstRun() {
  const { models } = useAppState();
  return (
    <main className="first-run" data-testid="first-run">
      <div className="first-run-inner">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">Confab</span>
        </div>
        <section className="setup-card" aria-labelledby="first-project-title">
          <h1 id="first-project-title">Create your first project</h1>
          <p>A project is a directory the assistant works on. Conversations belong to a project.</p>
          <ProjectForm />
        </section>
        {models && models.models.length === 0 && <NoModel />}
      </div>
    </main>
  );
}
