/**
 * The machine worker protocol: JSON text frames over the WebSocket `/v1/workers/ws`, defined once
 * here (zod) and read by both ends. docs/protocol.md ("Machine workers") describes it for people.
 *
 * A run's frames carry its fence (`runId`, `attempt`). The worker sends what its run loop emits as
 * numbered batches (`seq` 1, 2, … per fence, never reused): the server applies each batch once, in
 * order, and acknowledges it; after a reconnect the worker resends the batches not yet acknowledged
 * and the server skips those it already applied, so the conversation gets each event exactly once.
 */
import { z } from 'zod';
import { ContextInputSchema, ContextPartSchema, ConversationStateSchema, ConversationSchema, RunSchema, projectNamePattern } from '../domain/schemas.ts';
import { ApprovalSchema } from '../domain/approval-schemas.ts';

export const workerSocketPath = '/v1/workers/ws';
/** The version of this protocol; a worker of another version is refused. */
export const workerProtocolVersion = 1;

/** WebSocket close codes the server uses, besides 1000/1001. */
export const workerCloseCodes = {
  /** The token is revoked (or was never valid): do not reconnect. */
  revoked: 4001,
  /** The worker asked for a project its token does not cover, or spoke another protocol version. */
  refused: 4003,
  /** Another connection with the same token replaced this one. */
  replaced: 4009,
  /** The worker broke the protocol (malformed frames, more batches in flight than allowed). */
  policy: 1008,
} as const;

const FenceFields = { runId: z.string().min(1).max(100), attempt: z.number().int().min(1) };

const DraftSchema = z.object({
  type: z.string().max(64),
  runId: z.string().nullable(),
  data: z.unknown(),
  /** The records it changes were already written with a `commit` earlier in the stream. */
  persisted: z.boolean().optional(),
});
export type WireDraft = z.infer<typeof DraftSchema>;

/** A store write the run loop asks for before it announces a run's end or its approval requests. */
export const CommitSchema = z.object({
  runs: z.array(RunSchema).max(1).optional(),
  conversations: z.array(ConversationSchema).max(1).optional(),
  approvals: z.array(ApprovalSchema).max(100).optional(),
});
export type WireCommit = z.infer<typeof CommitSchema>;

export const WorkerFrameSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('register'),
    version: z.number().int(),
    /** The projects this worker serves (each must be in its token's scope). */
    projects: z.array(z.string().regex(projectNamePattern)).min(1).max(100),
    /** Runs it will execute at once. */
    concurrency: z.number().int().min(1).max(64),
  }),
  /** The worker is shutting down: send it no more runs (those it executes end and are continued elsewhere). */
  z.object({ type: z.literal('drain') }),
  /** The answer to `read-context`: the attached files' parts, in order, or why they cannot be read. */
  z.object({
    type: z.literal('context'),
    requestId: z.string().max(100),
    parts: z.array(ContextPartSchema).max(1_000).optional(),
    error: z.object({ code: z.string().max(64), message: z.string().max(2_000) }).optional(),
  }),
  /** After a reconnect: carry on with a run it was executing; `after` is the cursor it has folded. */
  z.object({ type: z.literal('resume'), ...FenceFields, after: z.string().max(200) }),
  z.object({
    type: z.literal('batch'),
    ...FenceFields,
    seq: z.number().int().min(1),
    /** Events, in order (at most one of events / commit / done per batch). */
    events: z.array(DraftSchema).max(1_000).optional(),
    commit: CommitSchema.optional(),
    /** The run loop ended (or parked): the last batch of this fence. */
    done: z.literal(true).optional(),
  }),
]);
export type WorkerFrame = z.infer<typeof WorkerFrameSchema>;

/** Limits the server states in `registered`; the worker keeps to them. */
export type WorkerLimits = {
  /** Batches a worker may have sent and not seen acknowledged, per run. */
  maxBatchesInFlight: number;
  /** Interval of the server's pings; the worker counts a connection dead after two missed. */
  heartbeatMs: number;
};

export const ServerFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('registered'), worker: z.string(), projects: z.array(z.string()), limits: z.object({ maxBatchesInFlight: z.number(), heartbeatMs: z.number() }) }),
  z.object({
    type: z.literal('run'),
    ...FenceFields,
    conversationId: z.string(),
    projectName: z.string(),
    /** The conversation as of `cursor`; `events` frames continue from there. */
    state: ConversationStateSchema,
    cursor: z.string(),
    maxSteps: z.number().int().min(1),
    /** Tools whose calls wait for a person on this server (besides tools that declare it). */
    approvalTools: z.array(z.string()),
    approvalExpiryMs: z.number(),
    /** How the approvals a parked run waited for were settled (a resumed run reads them). */
    approvals: z.array(ApprovalSchema),
  }),
  /** The conversation's events after the worker's cursor (the run's own, echoed, and everyone else's), or a `snapshot`. */
  z.object({ type: z.literal('events'), ...FenceFields, events: z.array(z.object({ seq: z.number(), cursor: z.string(), type: z.string(), runId: z.string().nullable(), at: z.number(), data: z.unknown(), conversationId: z.string() }).loose()) }),
  /** Batch `seq` is applied; everything it emitted is at or before `lastSeq`. */
  z.object({ type: z.literal('ack'), ...FenceFields, seq: z.number(), lastSeq: z.number() }),
  /** The answer to `resume`: batches up to `appliedThrough` are applied (resend the rest). */
  z.object({ type: z.literal('resumed'), ...FenceFields, appliedThrough: z.number(), lastSeq: z.number() }),
  z.object({ type: z.literal('stop'), ...FenceFields, reason: z.enum(['stop', 'delete', 'shutdown', 'time-limit']), limitMs: z.number().optional() }),
  /** Read files a client attached to a message, in the worker's directory for the project (as the server's `resolveContext` would). */
  z.object({ type: z.literal('read-context'), requestId: z.string(), projectName: z.string(), context: z.array(ContextInputSchema), maxBytes: z.number().int() }),
  /** This fence may no longer write: the run was taken over or ended. Stop executing it, write nothing. */
  z.object({ type: z.literal('fenced'), ...FenceFields, message: z.string() }),
  /** A batch was refused (bad event, forbidden record); the run is being ended by the server. */
  z.object({ type: z.literal('error'), runId: z.string().optional(), attempt: z.number().optional(), code: z.string(), message: z.string() }),
]);
export type ServerFrame = z.infer<typeof ServerFrameSchema>;

export function describeZodError(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message)).join('; ');
}
