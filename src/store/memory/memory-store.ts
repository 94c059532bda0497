import type { Approval, ApprovalStatus } from '../../domain/approval-schemas.ts';
import type { Conversation, Message, Project, Run } from '../../domain/schemas.ts';
import { matchesTerms, searchableText, searchHit } from '../search-text.ts';
import type { ConversationQuery, ConversationSummary, MessageSearchHit, MessageSearchQuery, Store, StoreBatch } from '../store.ts';

type Positioned<T> = { record: T; position: number };
type StoredConversation = { record: Conversation; lastSeq: number; messageIds: Set<string>; runIds: Set<string>; approvalIds: Set<string> };
type Undo = Array<() => void>;

/**
 * The Store in process memory, for tests and throwaway servers. It enforces the same references
 * and uniqueness as the SQLite schema, so code that passes against it passes against SQLite.
 */
export class MemoryStore implements Store {
  readonly #projects = new Map<string, Project>();
  readonly #conversations = new Map<string, StoredConversation>();
  readonly #messages = new Map<string, Positioned<Message>>();
  readonly #runs = new Map<string, Positioned<Run>>();
  readonly #approvals = new Map<string, Positioned<Approval>>();
  /** `conversationId \0 clientRequestId` -> run id, like the SQLite unique index. */
  readonly #runsByClientRequest = new Map<string, string>();
  #nextPosition = 1;

  async init(): Promise<void> {}

  async close(): Promise<void> {}

  async createProject(project: Project): Promise<void> {
    if (this.#projects.has(project.name)) throw new Error(`project ${project.name} already exists`);
    this.#projects.set(project.name, structuredClone(project));
  }

  async getProject(name: string): Promise<Project | undefined> {
    return copy(this.#projects.get(name));
  }

  async listProjects(): Promise<Project[]> {
    return [...this.#projects.values()].sort((a, b) => compare(a.name, b.name)).map((project) => structuredClone(project));
  }

  async deleteProject(name: string): Promise<boolean> {
    if (!this.#projects.has(name)) return false;
    for (const stored of [...this.#conversations.values()]) {
      if (stored.record.projectName === name) this.#removeConversation(stored.record.id);
    }
    this.#projects.delete(name);
    return true;
  }

  async getConversation(id: string): Promise<Conversation | undefined> {
    return copy(this.#conversations.get(id)?.record);
  }

  async listConversations(query: ConversationQuery): Promise<ConversationSummary[]> {
    const { projectName, before } = query;
    return [...this.#conversations.values()]
      .filter(({ record }) => projectName === undefined || record.projectName === projectName)
      .filter(({ record }) => before === undefined || record.updatedAt < before)
      .sort((a, b) => b.record.updatedAt - a.record.updatedAt || compare(b.record.id, a.record.id))
      .slice(0, Math.max(0, query.limit))
      .map((stored) => ({ ...structuredClone(stored.record), messageCount: stored.messageIds.size }));
  }

  async deleteConversation(id: string): Promise<boolean> {
    return this.#removeConversation(id);
  }

  async listMessages(conversationId: string): Promise<Message[]> {
    const ids = this.#conversations.get(conversationId)?.messageIds ?? [];
    return inCreationOrder([...ids].map((id) => this.#messages.get(id)!));
  }

  async searchMessages(query: MessageSearchQuery): Promise<MessageSearchHit[]> {
    const hits: (Positioned<Message> & { conversation: Conversation })[] = [];
    for (const stored of this.#conversations.values()) {
      if (query.projectName !== undefined && stored.record.projectName !== query.projectName) continue;
      for (const messageId of stored.messageIds) {
        const positioned = this.#messages.get(messageId)!;
        const searchable = searchableText(positioned.record);
        if (searchable !== null && matchesTerms(searchable, query.terms)) hits.push({ ...positioned, conversation: stored.record });
      }
    }
    return hits
      .sort((a, b) => b.record.createdAt - a.record.createdAt || b.position - a.position)
      .slice(0, Math.max(0, query.limit))
      .map(({ record, conversation }) => searchHit(record, conversation, query.terms));
  }

  async getRun(id: string): Promise<Run | undefined> {
    return copy(this.#runs.get(id)?.record);
  }

  async listRuns(conversationId: string, statuses?: Run['status'][]): Promise<Run[]> {
    const ids = this.#conversations.get(conversationId)?.runIds ?? [];
    const runs = [...ids].map((id) => this.#runs.get(id)!);
    return inCreationOrder(statuses ? runs.filter(({ record }) => statuses.includes(record.status)) : runs);
  }

  async findRunByClientRequestId(conversationId: string, clientRequestId: string): Promise<Run | undefined> {
    const id = this.#runsByClientRequest.get(clientRequestKey(conversationId, clientRequestId));
    return copy(id === undefined ? undefined : this.#runs.get(id)?.record);
  }

  async listRunsByStatus(statuses: Run['status'][]): Promise<Run[]> {
    return inCreationOrder([...this.#runs.values()].filter(({ record }) => statuses.includes(record.status)));
  }

  async getApproval(id: string): Promise<Approval | undefined> {
    return copy(this.#approvals.get(id)?.record);
  }

  async listApprovals(conversationId: string, statuses?: ApprovalStatus[]): Promise<Approval[]> {
    const ids = this.#conversations.get(conversationId)?.approvalIds ?? [];
    const approvals = [...ids].map((id) => this.#approvals.get(id)!);
    return inRequestOrder(statuses ? approvals.filter(({ record }) => statuses.includes(record.status)) : approvals);
  }

  async listApprovalsByStatus(statuses: ApprovalStatus[]): Promise<Approval[]> {
    return inRequestOrder([...this.#approvals.values()].filter(({ record }) => statuses.includes(record.status)));
  }

  async getLastSeq(conversationId: string): Promise<number> {
    return this.#conversations.get(conversationId)?.lastSeq ?? 0;
  }

  async commit(batch: StoreBatch): Promise<void> {
    // Each write registers its inverse; a failure part-way replays them, so the batch is all or nothing.
    const undo: Undo = [];
    try {
      for (const conversation of batch.conversations ?? []) this.#putConversation(structuredClone(conversation), undo);
      for (const message of batch.messages ?? []) this.#putMessage(structuredClone(message), undo);
      for (const run of batch.runs ?? []) this.#putRun(structuredClone(run), undo);
      for (const approval of batch.approvals ?? []) this.#putApproval(structuredClone(approval), undo);
      for (const [conversationId, seq] of Object.entries(batch.lastSeq ?? {})) {
        const stored = this.#conversations.get(conversationId);
        if (!stored) throw new Error(`lastSeq given for unknown conversation ${conversationId}`);
        const previous = stored.lastSeq;
        stored.lastSeq = seq;
        undo.push(() => (stored.lastSeq = previous));
      }
    } catch (error) {
      for (const step of undo.reverse()) step();
      throw error;
    }
  }

  #putConversation(conversation: Conversation, undo: Undo): void {
    if (!this.#projects.has(conversation.projectName)) {
      throw new Error(`conversation ${conversation.id} refers to unknown project ${conversation.projectName}`);
    }
    const stored = this.#conversations.get(conversation.id);
    if (stored) {
      const previous = stored.record;
      stored.record = conversation;
      undo.push(() => (stored.record = previous));
    } else {
      this.#conversations.set(conversation.id, { record: conversation, lastSeq: 0, messageIds: new Set(), runIds: new Set(), approvalIds: new Set() });
      undo.push(() => this.#conversations.delete(conversation.id));
    }
  }

  #putMessage(message: Message, undo: Undo): void {
    const owner = this.#owner('message', message.id, message.conversationId);
    const previous = this.#messages.get(message.id);
    const previousOwner = previous && this.#conversations.get(previous.record.conversationId)!;
    this.#messages.set(message.id, { record: message, position: previous?.position ?? this.#nextPosition++ });
    previousOwner?.messageIds.delete(message.id);
    owner.messageIds.add(message.id);
    undo.push(() => {
      owner.messageIds.delete(message.id);
      if (!previous) return void this.#messages.delete(message.id);
      this.#messages.set(message.id, previous);
      previousOwner!.messageIds.add(message.id);
    });
  }

  #putRun(run: Run, undo: Undo): void {
    const owner = this.#owner('run', run.id, run.conversationId);
    const key = run.clientRequestId === null ? undefined : clientRequestKey(run.conversationId, run.clientRequestId);
    const holder = key === undefined ? undefined : this.#runsByClientRequest.get(key);
    if (holder !== undefined && holder !== run.id) {
      throw new Error(`run ${run.id} repeats client request id ${run.clientRequestId} of run ${holder}`);
    }
    const previous = this.#runs.get(run.id);
    const previousOwner = previous && this.#conversations.get(previous.record.conversationId)!;
    const previousKey =
      previous?.record.clientRequestId == null ? undefined : clientRequestKey(previous.record.conversationId, previous.record.clientRequestId);
    this.#runs.set(run.id, { record: run, position: previous?.position ?? this.#nextPosition++ });
    previousOwner?.runIds.delete(run.id);
    owner.runIds.add(run.id);
    if (previousKey !== undefined) this.#runsByClientRequest.delete(previousKey);
    if (key !== undefined) this.#runsByClientRequest.set(key, run.id);
    undo.push(() => {
      owner.runIds.delete(run.id);
      if (key !== undefined) this.#runsByClientRequest.delete(key);
      if (!previous) return void this.#runs.delete(run.id);
      this.#runs.set(run.id, previous);
      previousOwner!.runIds.add(run.id);
      if (previousKey !== undefined) this.#runsByClientRequest.set(previousKey, run.id);
    });
  }

  #putApproval(approval: Approval, undo: Undo): void {
    const owner = this.#owner('approval', approval.id, approval.conversationId);
    const previous = this.#approvals.get(approval.id);
    const previousOwner = previous && this.#conversations.get(previous.record.conversationId)!;
    this.#approvals.set(approval.id, { record: approval, position: previous?.position ?? this.#nextPosition++ });
    previousOwner?.approvalIds.delete(approval.id);
    owner.approvalIds.add(approval.id);
    undo.push(() => {
      owner.approvalIds.delete(approval.id);
      if (!previous) return void this.#approvals.delete(approval.id);
      this.#approvals.set(approval.id, previous);
      previousOwner!.approvalIds.add(approval.id);
    });
  }

  #owner(kind: string, id: string, conversationId: string): StoredConversation {
    const owner = this.#conversations.get(conversationId);
    if (!owner) throw new Error(`${kind} ${id} refers to unknown conversation ${conversationId}`);
    return owner;
  }

  #removeConversation(id: string): boolean {
    const stored = this.#conversations.get(id);
    if (!stored) return false;
    for (const messageId of stored.messageIds) this.#messages.delete(messageId);
    for (const approvalId of stored.approvalIds) this.#approvals.delete(approvalId);
    for (const runId of stored.runIds) {
      const run = this.#runs.get(runId)!.record;
      if (run.clientRequestId !== null) this.#runsByClientRequest.delete(clientRequestKey(id, run.clientRequestId));
      this.#runs.delete(runId);
    }
    this.#conversations.delete(id);
    return true;
  }
}

function clientRequestKey(conversationId: string, clientRequestId: string): string {
  return `${conversationId}\u0000${clientRequestId}`;
}

/** `createdAt`, then first-written order: the order SQLite gives with `ORDER BY created_at, position`. */
function inCreationOrder<T extends { createdAt: number }>(items: Positioned<T>[]): T[] {
  return items
    .sort((a, b) => a.record.createdAt - b.record.createdAt || a.position - b.position)
    .map(({ record }) => structuredClone(record));
}

function inRequestOrder(items: Positioned<Approval>[]): Approval[] {
  return items.sort((a, b) => a.record.requestedAt - b.record.requestedAt || a.position - b.position).map(({ record }) => structuredClone(record));
}

function copy<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : structuredClone(value);
}

/** Code-unit order, matching SQLite's BINARY collation for the ASCII ids and names we store. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
