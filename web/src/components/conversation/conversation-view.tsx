import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { activeBranch, branchTree, type ContextInput, type Message } from 'confab/client';
import { appStore, useAppState } from '../../lib/app-store.ts';
import { isUnauthorized, describeError } from '../../lib/error-text.ts';
import { displayTitle, formatUsage } from '../../lib/format.ts';
import { newRequestId } from '../../lib/request-id.ts';
import { navigate } from '../../lib/router.ts';
import { useMessageTarget } from '../../hooks/use-message-target.ts';
import { useWatch } from '../../hooks/use-watch.ts';
import { Composer } from '../composer/composer.tsx';
import { NoModel } from '../setup/no-model.tsx';
import { ChatFrame, Welcome } from './chat-frame.tsx';
import { MessageList } from './message-list.tsx';
import { PendingUserMessage } from './user-message.tsx';
import { ApprovalCard } from './approval-card.tsx';
import { ReplyAnnouncer } from './reply-announcer.tsx';
import { RetryNotice } from './retry-notice.tsx';

type PendingSend = { clientRequestId: string; content: string; context: ContextInput[] };

const failed = (error: unknown) => appStore.fail(error);

/** One conversation, live: the SDK's watch drives everything shown here; `messageId` is a message to show (a search hit). */
export function ConversationView({ conversationId, messageId }: { conversationId: string; messageId?: string }) {
  const { watch, state: live } = useWatch(conversationId);
  const app = useAppState();
  const [pending, setPending] = useState<PendingSend[]>([]);
  const state = live?.state ?? null;
  const conversation = state?.conversation ?? null;
  const status = live?.status ?? 'idle';

  // Keep the sidebar current without waiting for its next poll.
  useEffect(() => {
    if (conversation) appStore.upsertConversation(conversation);
  }, [conversation]);
  useEffect(() => {
    appStore.setLiveStatus(conversationId, status);
  }, [conversationId, status]);
  useEffect(() => () => appStore.setLiveStatus(conversationId, null), [conversationId]);
  useEffect(() => {
    if (conversation && conversation.projectName !== appStore.state.projectName) appStore.selectProject(conversation.projectName);
  }, [conversation?.projectName]);
  useEffect(() => {
    if (live?.deleted) appStore.removeConversation(conversationId);
    if (live?.error && isUnauthorized(live.error)) appStore.setUnauthorized();
  }, [live?.deleted, live?.error, conversationId]);

  useEffect(() => {
    document.title = conversation ? `${displayTitle(conversation.title)} · Confab` : 'Confab';
    return () => void (document.title = 'Confab');
  }, [conversation?.title]);

  const messages = state?.messages ?? [];
  const tree = useMemo(() => branchTree(messages), [messages]);
  const shown = useMemo(() => activeBranch(messages, conversation?.activeMessageId, tree), [messages, conversation?.activeMessageId, tree]);
  const target = useMessageTarget(messageId, watch, messages, shown, failed);
  const treeRef = useRef(tree);
  treeRef.current = tree;
  const selectBranch = useCallback((messageId: string) => void watch?.selectBranch(messageId).catch((error: unknown) => appStore.fail(error)), [watch]);
  const regenerate = useCallback((messageId: string) => void watch?.regenerate(messageId).catch((error: unknown) => appStore.fail(error, 'Not regenerated')), [watch]);
  // An edited message is sent after the reply its original followed (or first): a new branch.
  const edit = useCallback(
    async (message: Message, text: string): Promise<boolean> => {
      if (!watch) return false;
      const context = message.parts.flatMap((part) => (part.kind === 'context' ? [{ path: part.path, content: part.content, ...(part.range ? { range: part.range } : {}) }] : []));
      try {
        await watch.send(text, { parentId: treeRef.current.parentOf.get(message.id) ?? null, ...(context.length > 0 ? { context } : {}) });
        return true;
      } catch (error) {
        appStore.fail(error, 'Not sent');
        return false;
      }
    },
    [watch],
  );
  const idle = status === 'idle';
  const actions = useMemo(() => ({ tree, onSelectBranch: selectBranch, ...(idle ? { onRegenerate: regenerate, onEdit: edit } : {}) }), [tree, selectBranch, regenerate, edit, idle]);

  const stop = useCallback(() => {
    watch?.stop().catch((error: unknown) => appStore.fail(error));
  }, [watch]);

  // Esc stops the running reply, from anywhere on the page but an open dialog or menu.
  useEffect(() => {
    if (status === 'idle') return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || event.defaultPrevented || document.querySelector('dialog[open], .menu')) return;
      event.preventDefault();
      stop();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [status, stop]);

  if (live?.error && !live.loaded) {
    return <Problem title="This chat could not be opened" text={describeError(live.error)} />;
  }
  if (live?.deleted) return <Problem title="This chat was deleted" text="It was deleted here or in another window." />;

  const send = async (content: string, context: ContextInput[]): Promise<boolean> => {
    if (!watch) return false;
    const entry: PendingSend = { clientRequestId: newRequestId(), content, context };
    setPending((list) => [...list, entry]);
    try {
      await watch.send(content, { clientRequestId: entry.clientRequestId, ...(context.length > 0 ? { context } : {}) });
      return true;
    } catch (error) {
      appStore.fail(error, 'Not sent');
      return false;
    } finally {
      setPending((list) => list.filter((item) => item !== entry));
    }
  };

  const models = app.models?.models ?? [];
  const known = new Set(state?.runs.map((run) => run.clientRequestId));
  const sending = pending.filter((item) => !known.has(item.clientRequestId));
  const totals = conversation ? formatUsage(conversation.usage.inputTokens + conversation.usage.outputTokens > 0 ? conversation.usage : null, conversation.cost) : null;

  return (
    <ChatFrame
      header={
        <>
          <h1 className="chat-title" data-testid="chat-title">
            {conversation ? displayTitle(conversation.title) : ' '}
          </h1>
          {totals && (
            <span className="chat-total" data-testid="conversation-total" title="Usage and cost of the whole conversation">
              Total: {totals}
            </span>
          )}
        </>
      }
      composer={
        models.length === 0 && app.models ? (
          <NoModel compact />
        ) : (
          <Composer
            key={conversationId}
            onSend={send}
            running={status !== 'idle'}
            onStop={stop}
            model={conversation?.model ?? null}
            models={models}
            onModelChange={(model) => void appStore.updateConversation(conversationId, { model }).catch((error: unknown) => appStore.fail(error))}
            systemPrompt={conversation?.systemPrompt ?? ''}
            onSystemPromptChange={(systemPrompt) => appStore.updateConversation(conversationId, { systemPrompt }).catch((error: unknown) => appStore.fail(error))}
            projectName={conversation?.projectName ?? app.projectName}
            disabledReason={!live?.loaded ? 'Loading…' : null}
          />
        )
      }
    >
      {!live?.loaded ? (
        <div className="transcript loading" aria-busy="true">
          <div className="skeleton" />
          <div className="skeleton short" />
        </div>
      ) : messages.length === 0 && sending.length === 0 && live.queue.length === 0 ? (
        <div className="transcript">
          <Welcome projectName={conversation?.projectName ?? null} />
        </div>
      ) : (
        <MessageList messages={shown} actions={actions} targetMessageId={target} onContinue={status === 'idle' ? () => void watch?.continue().catch((error: unknown) => appStore.fail(error)) : null}>
          {live.queue.map(({ run, input }) => (
            <PendingUserMessage
              key={run.id}
              text={input ? input.parts.map((part) => (part.kind === 'text' ? part.text : '')).join('') : ''}
              context={input ? input.parts.flatMap((part) => (part.kind === 'context' ? [{ path: part.path, content: part.content, range: part.range }] : [])) : []}
              label="Queued"
              onCancel={() => void watch?.stop(run.id).catch((error: unknown) => appStore.fail(error))}
            />
          ))}
          {sending.map((item) => (
            <PendingUserMessage key={item.clientRequestId} text={item.content} context={item.context} label="Sending…" />
          ))}
          {live.retry && status === 'running' && <RetryNotice retry={live.retry} />}
          {live.approvals.map((approval) => (
            <ApprovalCard
              key={approval.id}
              approval={approval}
              onAnswer={(decision, note) =>
                watch
                  ? watch.approve(approval.id, decision, note === '' ? undefined : note).then(
                      () => undefined,
                      (error: unknown) => appStore.fail(error, 'Not answered'),
                    )
                  : Promise.resolve()
              }
            />
          ))}
        </MessageList>
      )}
      <ReplyAnnouncer messages={shown} />
    </ChatFrame>
  );
}

function Problem({ title, text }: { title: string; text: string }) {
  return (
    <main className="chat">
      <div className="problem" role="alert">
        <h1>{title}</h1>
        <p>{text}</p>
        <button type="button" className="button button-primary" onClick={() => navigate({ kind: 'new' })}>
          Start a new chat
        </button>
      </div>
    </main>
  );
}
