import { useState } from 'react';
import { Icon } from '../common/icon.tsx';
import { Modal } from '../common/modal.tsx';

/** Opens an editor for the conversation's system prompt; a dot shows when one is set. */
export function SystemPromptButton({ value, onSave }: { value: string; onSave: (value: string) => Promise<void> | void }) {
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState(value);
  const [saving, setSaving] = useState(false);
  return (
    <>
      <button
        type="button"
        className={value.trim() ? 'tool-button has-value' : 'tool-button'}
        aria-label={value.trim() ? 'System prompt (set)' : 'System prompt'}
        title={value.trim() ? value : 'Set a system prompt for this conversation'}
        onClick={() => {
          setDraft(value);
          setOpen(true);
        }}
      >
        <Icon name="sliders" size={15} />
        <span>System prompt</span>
      </button>
      {open && (
        <Modal title="System prompt" onClose={() => setOpen(false)} wide>
          <form
            className="form"
            onSubmit={async (event) => {
              event.preventDefault();
              setSaving(true);
              try {
                await onSave(draft);
                setOpen(false);
              } finally {
                setSaving(false);
              }
            }}
          >
            <label className="field">
              <span className="field-label">Instructions the model follows in this conversation (from its next reply on)</span>
              <textarea className="system-prompt-input" rows={8} value={draft} autoFocus placeholder="You are a concise senior engineer…" onChange={(event) => setDraft(event.target.value)} />
            </label>
            <div className="modal-actions">
              <button type="button" className="button" onClick={() => setOpen(false)}>
                Cancel
              </button>
              <button type="submit" className="button button-primary" disabled={saving}>
                {saving ? 'Saving…' : 'Save'}
              </button>
            </div>
          </form>
        </Modal>
      )}
    </>
  );
}
