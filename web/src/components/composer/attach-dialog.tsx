import { useState } from 'react';
import type { ContextInput } from 'confab/client';
import { Modal } from '../common/modal.tsx';

type Tab = 'file' | 'paste';

/** Attach a project file (optionally a line range) or pasted text to the next message. */
export function AttachDialog({ projectName, onAttach, onClose }: { projectName: string | null; onAttach: (item: ContextInput) => void; onClose: () => void }) {
  const [tab, setTab] = useState<Tab>('file');
  const [path, setPath] = useState('');
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [label, setLabel] = useState('');
  const [content, setContent] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const submit = () => {
    if (tab === 'paste') {
      if (content === '') return setProblem('Paste some text to attach.');
      return onAttach({ path: label.trim() || 'pasted.txt', content });
    }
    if (path.trim() === '') return setProblem('Give a path inside the project.');
    const from = start === '' ? undefined : Number(start);
    const to = end === '' ? undefined : Number(end);
    if (from === undefined && to !== undefined) return setProblem('Give the first line too.');
    if (from !== undefined && to !== undefined && to < from) return setProblem('The last line comes before the first.');
    const range = from === undefined ? undefined : { start: from, end: to ?? from };
    onAttach({ path: path.trim(), ...(range ? { range } : {}) });
  };

  return (
    <Modal title="Attach context" onClose={onClose} wide>
      <div className="tabs" role="tablist" aria-label="What to attach">
        {(['file', 'paste'] as const).map((name) => (
          <button key={name} type="button" role="tab" id={`attach-tab-${name}`} aria-selected={tab === name} aria-controls={`attach-panel-${name}`} className={tab === name ? 'tab active' : 'tab'} onClick={() => (setTab(name), setProblem(null))}>
            {name === 'file' ? 'Project file' : 'Paste text'}
          </button>
        ))}
      </div>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        {tab === 'file' ? (
          <div role="tabpanel" id="attach-panel-file" aria-labelledby="attach-tab-file" className="form">
            <label className="field">
              <span className="field-label">Path in {projectName ? <code>{projectName}</code> : 'the project'}</span>
              <input value={path} onChange={(event) => setPath(event.target.value)} placeholder="src/index.ts" autoFocus spellCheck={false} />
            </label>
            <div className="field-row">
              <label className="field">
                <span className="field-label">From line (optional)</span>
                <input type="number" min={1} inputMode="numeric" value={start} onChange={(event) => setStart(event.target.value)} />
              </label>
              <label className="field">
                <span className="field-label">To line (optional)</span>
                <input type="number" min={1} inputMode="numeric" value={end} onChange={(event) => setEnd(event.target.value)} />
              </label>
            </div>
            <p className="field-hint">The server reads the file when you send, from the project directory only.</p>
          </div>
        ) : (
          <div role="tabpanel" id="attach-panel-paste" aria-labelledby="attach-tab-paste" className="form">
            <label className="field">
              <span className="field-label">Name</span>
              <input value={label} onChange={(event) => setLabel(event.target.value)} placeholder="pasted.txt" spellCheck={false} />
            </label>
            <label className="field">
              <span className="field-label">Text</span>
              <textarea rows={8} value={content} onChange={(event) => setContent(event.target.value)} autoFocus />
            </label>
          </div>
        )}
        {problem && (
          <p className="form-error" role="alert">
            {problem}
          </p>
        )}
        <div className="modal-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary">
            Attach
          </button>
        </div>
      </form>
    </Modal>
  );
}
