/**
 * The bodies of the REST answers, defined once as data: the routes are type-checked against them
 * (a route's reply must match what its spec declares) and the OpenAPI document is generated from
 * them. Browser-safe.
 */
import { z } from 'zod';
import { ApprovalSchema } from './approval-schemas.ts';
import { ConversationSummarySchema, MessageSearchHitSchema, ModelInfoSchema, SessionInfoSchema } from './records.ts';
import { ConversationSchema, MessageSchema, ProjectSchema, RetryStateSchema, RunSchema } from './schemas.ts';

export const HealthSchema = z.object({ status: z.literal('ok'), version: z.string() });

/** A machine worker whose token names a project, and whether it is connected and serving it now. */
export const ProjectWorkerSchema = z.object({ name: z.string(), online: z.boolean() });
/**
 * A project as listed: `servedBy` says where its runs execute (`server`: here, in `path`;
 * `workers`: on machine workers, `path` '' when the server has no directory for it), `workers`
 * which workers may serve it and whether one is online.
 */
export const ProjectListItemSchema = ProjectSchema.extend({ servedBy: z.enum(['server', 'workers']), workers: z.array(ProjectWorkerSchema) });
export const ProjectListSchema = z.object({ projects: z.array(ProjectListItemSchema) });
/** A machine worker as `GET /v1/workers` shows it (never its token). */
export const WorkerInfoSchema = z.object({ name: z.string(), projects: z.array(z.string()), createdAt: z.number(), online: z.boolean(), running: z.number() });
export const WorkerListSchema = z.object({ workers: z.array(WorkerInfoSchema) });
/** The token is shown here once; the server keeps only its hash. */
export const NewWorkerReplySchema = z.object({ worker: WorkerInfoSchema, token: z.string() });
export const ProjectReplySchema = z.object({ project: ProjectSchema });

export const ConversationPageSchema = z.object({
  conversations: z.array(ConversationSummarySchema),
  /** Pass as `before` for the next page; null on the last page. */
  nextBefore: z.number().nullable(),
});
export const ConversationReplySchema = z.object({ conversation: ConversationSchema });
/** A conversation's full state and the cursor it is current as of (subscribe with `after=<cursor>`). */
export const ConversationDetailSchema = z.object({
  conversation: ConversationSchema,
  messages: z.array(MessageSchema),
  runs: z.array(RunSchema),
  retry: RetryStateSchema.nullable(),
  /** Approvals waiting for an answer. */
  approvals: z.array(ApprovalSchema),
  cursor: z.string(),
});

export const SearchResultSchema = z.object({ hits: z.array(MessageSearchHitSchema) });

export const SendResultSchema = z.object({ message: MessageSchema, run: RunSchema });
export const StopResultSchema = z.object({ run: RunSchema.nullable() });
export const ContinueResultSchema = z.object({ run: RunSchema });

export const SessionListSchema = z.object({ sessions: z.array(SessionInfoSchema) });
export const ModelListSchema = z.object({ models: z.array(ModelInfoSchema), defaultModel: z.string().nullable() });
export const RequestLimitsSchema = z.object({
  limits: z.object({
    maxMessageChars: z.number(),
    maxContextParts: z.number(),
    maxContextBytes: z.number(),
    maxSystemPromptChars: z.number(),
    maxQueuedRuns: z.number(),
  }),
});
