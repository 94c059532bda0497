import { useState } from 'react';
import { appStore } from '../../lib/app-store.ts';
import { describeError } from '../../lib/error-text.ts';

const namePattern = /^[a-zA-Z0-9_-]{1,64}$/;

/** Name and directory of a new project; the server checks the path exists. */
export function ProjectForm({ onCreated, onCancel }: { onCreated?: () => void; onCancel?: () => void }) {
  const [name, setName] = useState('');
  const [path, setPath] = useState('');
  // The server's answer to the last submit; cleared on any edit, since it was about other values.
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const nameProblem = name !== '' && !namePattern.test(name) ? 'Use letters, digits, - and _ only (up to 64).' : null;

  return (
    <form
      className="form"
      onSubmit={async (event) => {
        event.preventDefault();
        if (!namePattern.test(name) || path.trim() === '') return;
        setSaving(true);
        setError(null);
        try {
          await appStore.createProject({ name, path: path.trim() });
          onCreated?.();
        } catch (cause) {
          setError(describeError(cause));
        } finally {
          setSaving(false);
        }
      }}
    >
      <label className="field">
        <span className="field-label">Name</span>
        <input value={name} onChange={(event) => (setName(event.target.value), setError(null))} placeholder="my-app" autoFocus required aria-invalid={nameProblem !== null} aria-describedby="project-name-hint" />
        <span id="project-name-hint" className={nameProblem ? 'field-hint field-error' : 'field-hint'}>
          {nameProblem ?? 'Letters, digits, - and _.'}
        </span>
      </label>
      <label className="field">
        <span className="field-label">Directory on the server</span>
        <input value={path} onChange={(event) => (setPath(event.target.value), setError(null))} placeholder="/home/me/code/my-app" required spellCheck={false} />
        <span className="field-hint">The assistant can read files in this directory (read-only tools), and you can attach them as context.</span>
      </label>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="modal-actions">
        {onCancel && (
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="button button-primary" disabled={saving || !namePattern.test(name) || path.trim() === ''}>
          {saving ? 'Creating…' : 'Create project'}
        </button>
      </div>
    </form>
  );
}
