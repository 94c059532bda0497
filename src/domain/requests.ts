/**
 * Command inputs, defined once as data: the engine validates with them and the server reuses them
 * for request bodies and WebSocket frames. Browser-safe.
 */
import { z } from 'zod';
import { BusyPolicySchema, ContextInputSchema } from './schemas.ts';

export const SendInputSchema = z.object({
  content: z.string().min(1, 'content must not be empty'),
  context: z.array(ContextInputSchema).optional(),
  onBusy: BusyPolicySchema.optional(),
  /**
   * Sends from an earlier point: the message follows this assistant message (null: a new first
   * message) instead of the end of the branch shown, making a new branch; edit-and-resend passes
   * the edited message's parent. The branch through it becomes the one shown.
   */
  parentId: z.string().min(1).nullable().optional(),
  /** Makes the send idempotent: repeating it returns the first message and run. */
  clientRequestId: z.string().min(1).max(200).optional(),
});

export const NewConversationSchema = z.object({
  projectName: z.string().min(1),
  title: z.string().optional(),
  model: z.string().optional(),
  systemPrompt: z.string().optional(),
  busyPolicy: BusyPolicySchema.optional(),
});

export const ConversationPatchSchema = z.object({
  title: z.string().optional(),
  model: z.string().optional(),
  systemPrompt: z.string().optional(),
  busyPolicy: BusyPolicySchema.optional(),
});

/** `POST /v1/workers`: a machine worker and the projects its token may serve. */
export const NewWorkerSchema = z.object({ name: z.string(), projects: z.array(z.string()).min(1).max(100) });

export const NewProjectSchema = z.object({
  /** `^[a-zA-Z0-9_-]{1,64}$`; checked by the catalog, which says what is wrong. */
  name: z.string(),
  /** An absolute path to an existing directory. */
  path: z.string(),
});

export const StopInputSchema = z.object({
  /** A queued run to take off the queue; default: the active run. */
  runId: z.string().min(1).optional(),
});

/** Regenerate (a new reply to the user message this reply answers) or select the branch through a message. */
export const MessageRefInputSchema = z.object({ messageId: z.string().min(1) });

/** A command that takes no input: a body, if sent, must be a JSON object. */
export const NoInputSchema = z.object({});

export type SendInput = z.infer<typeof SendInputSchema>;
export type MessageRefInput = z.infer<typeof MessageRefInputSchema>;
export type NewConversation = z.infer<typeof NewConversationSchema>;
export type ConversationPatch = z.infer<typeof ConversationPatchSchema>;
