import { useEffect, useRef, useState } from 'react';
import type { ContextInput, ModelInfo } from 'confab/client';
import { appStore } from '../../lib/app-store.ts';
import { sendSizeProblem } from '../../lib/send-limits.ts';
import { Icon } from '../common/icon.tsx';
import { AttachDialog } from './attach-dialog.tsx';
import { AttachmentChips, lineCount } from './attachment-chips.tsx';
import { ModelPicker } from './model-picker.tsx';
import { SystemPromptButton } from './system-prompt.tsx';

/** Pasted text this long (characters or lines) becomes an attachment instead of filling the box. */
const pasteAttachChars = 2000;
const pasteAttachLines = 40;

export type ComposerProps = {
  /** Resolves false when the message was not accepted (the text is put back). */
  onSend: (content: string, context: ContextInput[]) => Promise<boolean>;
  /** A run streams now: show Stop. */
  running: boolean;
  onStop: () => void;
  model: string | null;
  models: readonly ModelInfo[];
  onModelChange: (model: string) => void;
  systemPrompt: string;
  onSystemPromptChange: (systemPrompt: string) => Promise<void> | void;
  projectName: string | null;
  /** Why sending is impossible now (no model configured), or null. */
  disabledReason: string | null;
};

/** Enter sends, Shift+Enter adds a line; attach context, pick the model, set the system prompt, Stop. */
export function Composer(props: ComposerProps) {
  const [text, setText] = useState('');
  const [context, setContext] = useState<ContextInput[]>([]);
  const [attaching, setAttaching] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const pasteCount = useRef(0);
  const canSend = text.trim() !== '' && props.disabledReason === null;

  useEffect(() => {
    const element = area.current;
    if (!element) return;
    element.style.height = 'auto';
    element.style.height = `${Math.min(element.scrollHeight, 280)}px`;
  }, [text]);

  useEffect(() => area.current?.focus(), []);

  const send = async () => {
    if (!canSend) return;
    const content = text;
    const attached = context;
    // Too large for the server: say so in its words, keep the draft, send nothing.
    const tooLarge = sendSizeProblem(content, attached, appStore.state.limits ?? undefined);
    if (tooLarge) return appStore.notify(`Not sent: ${tooLarge}`);
    setText('');
    setContext([]);
    const accepted = await props.onSend(content, attached);
    if (!accepted) {
      setText((current) => (current === '' ? content : current));
      setContext((current) => (current.length === 0 ? attached : current));
    }
    area.current?.focus();
  };

  return (
    <form
      className="composer"
      aria-label="Message composer"
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      <AttachmentChips items={context} onRemove={(index) => setContext(context.filter((_, other) => other !== index))} />
      <textarea
        ref={area}
        className="composer-input"
        rows={1}
        value={text}
        placeholder={props.disabledReason ?? (props.running ? 'Send another message (it will be queued)…' : 'Message Confab…')}
        aria-label="Message"
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            void send();
          }
        }}
        onPaste={(event) => {
          const pasted = event.clipboardData.getData('text/plain');
          if (pasted.length < pasteAttachChars && lineCount(pasted) < pasteAttachLines) return;
          event.preventDefault();
          pasteCount.current += 1;
          setContext([...context, { path: `pasted-${pasteCount.current}.txt`, content: pasted }]);
        }}
      />
      <div className="composer-bar">
        <div className="composer-tools">
          <button type="button" className="icon-button" aria-label="Attach context" title="Attach a project file or pasted text" onClick={() => setAttaching(true)}>
            <Icon name="paperclip" size={17} />
          </button>
          <ModelPicker value={props.model} models={props.models} onChange={props.onModelChange} />
          <SystemPromptButton value={props.systemPrompt} onSave={props.onSystemPromptChange} />
        </div>
        <div className="composer-actions">
          {props.running && (
            <button type="button" className="round-button stop-button" aria-label="Stop" title="Stop (Esc)" onClick={props.onStop}>
              <Icon name="stop" size={14} />
            </button>
          )}
          <button type="submit" className="round-button send-button" aria-label="Send" title="Send (Enter)" disabled={!canSend}>
            <Icon name="send" size={17} />
          </button>
        </div>
      </div>
      {attaching && (
        <AttachDialog
          projectName={props.projectName}
          onAttach={(item) => {
            setContext([...context, item]);
            setAttaching(false);
            area.current?.focus();
          }}
          onClose={() => setAttaching(false)}
        />
      )}
    </form>
  );
}
