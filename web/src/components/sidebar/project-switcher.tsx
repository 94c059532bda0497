import { useState } from 'react';
import { appStore, useAppState } from '../../lib/app-store.ts';
import { navigate } from '../../lib/router.ts';
import { Icon } from '../common/icon.tsx';
import { Modal } from '../common/modal.tsx';
import { ProjectForm } from '../setup/project-form.tsx';

/** Which project's conversations the sidebar lists, and a way to add a project. */
export function ProjectSwitcher() {
  const { projects, projectName } = useAppState();
  const [creating, setCreating] = useState(false);
  return (
    <div className="project-switcher">
      <Icon name="folder" size={16} />
      <select
        aria-label="Project"
        value={projectName ?? ''}
        onChange={(event) => {
          appStore.selectProject(event.target.value);
          navigate({ kind: 'new' });
        }}
      >
        {(projects ?? []).map((project) => (
          <option key={project.name} value={project.name} title={project.path}>
            {project.name}
          </option>
        ))}
      </select>
      <button type="button" className="icon-button" aria-label="New project" title="New project" onClick={() => setCreating(true)}>
        <Icon name="plus" size={16} />
      </button>
      {creating && (
        <Modal title="New project" onClose={() => setCreating(false)}>
          <ProjectForm
            onCreated={() => {
              setCreating(false);
              navigate({ kind: 'new' });
            }}
            onCancel={() => setCreating(false)}
          />
        </Modal>
      )}
    </div>
  );
}
