import { useState } from 'react';
import type { ContextInput } from 'confab/client';
import { client } from '../../client.ts';
import { appStore, useAppState } from '../../lib/app-store.ts';
import { newRequestId } from '../../lib/request-id.ts';
import { navigate } from '../../lib/router.ts';
import { Composer } from '../composer/composer.tsx';
import { NoModel } from '../setup/no-model.tsx';
import { ChatFrame, Welcome } from './chat-frame.tsx';

/**
 * A chat not created yet: model and system prompt are chosen here, and the conversation is created
 * on the first send (so empty chats never pile up in the sidebar).
 */
export function NewChatView() {
  const app = useAppState();
  const models = app.models?.models ?? [];
  const [model, setModel] = useState<string | null>(null);
  const [systemPrompt, setSystemPrompt] = useState('');
  const chosenModel = model ?? app.models?.defaultModel ?? models[0]?.id ?? null;

  const send = async (content: string, context: ContextInput[]): Promise<boolean> => {
    if (!app.projectName) return false;
    let conversationId: string | null = null;
    try {
      const conversation = await appStore.createConversation({
        projectName: app.projectName,
        ...(chosenModel ? { model: chosenModel } : {}),
        ...(systemPrompt.trim() ? { systemPrompt } : {}),
      });
      conversationId = conversation.id;
      await client.conversations.send(conversation.id, { content, clientRequestId: newRequestId(), ...(context.length > 0 ? { context } : {}) });
      navigate({ kind: 'conversation', conversationId: conversation.id });
      return true;
    } catch (error) {
      appStore.fail(error, 'Not sent');
      // The first message was refused (a missing file, say): drop the empty chat, keep the draft.
      if (conversationId) void appStore.deleteConversation(conversationId).catch(() => undefined);
      return false;
    }
  };

  const noModel = app.models !== null && models.length === 0;
  return (
    <ChatFrame
      header={<h1 className="chat-title">New chat</h1>}
      composer={
        noModel ? null : (
          <Composer
            onSend={send}
            running={false}
            onStop={() => undefined}
            model={chosenModel}
            models={models}
            onModelChange={setModel}
            systemPrompt={systemPrompt}
            onSystemPromptChange={setSystemPrompt}
            projectName={app.projectName}
            disabledReason={null}
          />
        )
      }
    >
      <div className="transcript">
        {noModel ? (
          <div className="setup-center">
            <NoModel />
          </div>
        ) : (
          <Welcome projectName={app.projectName} />
        )}
      </div>
    </ChatFrame>
  );
}
