import type { ApproveInput } from '../domain/approval-schemas.ts';
import type { ConversationPatch, MessageRefInput, NewConversation, SendInput } from '../domain/requests.ts';
import type { ConversationExport } from '../domain/conversation-export.ts';
import type { Conversation, Project } from '../domain/schemas.ts';
import type {
  ApproveResult,
  ContinueResult,
  ConversationDetail,
  ConversationPage,
  ConversationSummary,
  Health,
  MessageSearchHit,
  ModelList,
  RegenerateResult,
  SelectBranchResult,
  RequestLimits,
  SendResult,
  SessionInfo,
  StopResult,
} from './api-types.ts';
import type { Http } from './http.ts';

/** `/v1/projects`. */
export class ProjectsApi {
  readonly #http: Http;

  constructor(http: Http) {
    this.#http = http;
  }

  async list(): Promise<Project[]> {
    return (await this.#http.json<{ projects: Project[] }>('GET', '/v1/projects')).projects;
  }

  async create(input: { name: string; path: string }): Promise<Project> {
    return (await this.#http.json<{ project: Project }>('POST', '/v1/projects', { body: input })).project;
  }

  async get(name: string): Promise<Project> {
    return (await this.#http.json<{ project: Project }>('GET', `/v1/projects/${encodeURIComponent(name)}`)).project;
  }

  delete(name: string): Promise<void> {
    return this.#http.json<void>('DELETE', `/v1/projects/${encodeURIComponent(name)}`);
  }
}

export type ConversationListQuery = {
  /** Only this project's conversations. */
  project?: string;
  limit?: number;
  /** `nextBefore` of the previous page. */
  before?: number;
};

/** `/v1/conversations` and the commands on one conversation, over plain HTTP. */
export class ConversationsApi {
  readonly #http: Http;

  constructor(http: Http) {
    this.#http = http;
  }

  /** One page, newest `updatedAt` first. */
  list(query: ConversationListQuery = {}): Promise<ConversationPage> {
    return this.#http.json<ConversationPage>('GET', '/v1/conversations', { query: { project: query.project, limit: query.limit, before: query.before } });
  }

  /** Every conversation (of a project), page after page. */
  async *listAll(query: Omit<ConversationListQuery, 'before'> = {}): AsyncGenerator<ConversationSummary> {
    let before: number | undefined;
    while (true) {
      const page = await this.list({ ...query, before });
      yield* page.conversations;
      if (page.nextBefore === null || page.conversations.length === 0) return;
      before = page.nextBefore;
    }
  }

  async create(input: NewConversation): Promise<Conversation> {
    return (await this.#http.json<{ conversation: Conversation }>('POST', '/v1/conversations', { body: input })).conversation;
  }

  get(conversationId: string): Promise<ConversationDetail> {
    return this.#http.json<ConversationDetail>('GET', conversationPath(conversationId));
  }

  async update(conversationId: string, patch: ConversationPatch): Promise<Conversation> {
    return (await this.#http.json<{ conversation: Conversation }>('PATCH', conversationPath(conversationId), { body: patch })).conversation;
  }

  /** Stops any run; the conversation is gone for good. */
  delete(conversationId: string): Promise<void> {
    return this.#http.json<void>('DELETE', conversationPath(conversationId));
  }

  /** Adds a user message; the run answering it starts now or is queued (see `onBusy`). */
  send(conversationId: string, input: SendInput): Promise<SendResult> {
    return this.#http.json<SendResult>('POST', `${conversationPath(conversationId)}/messages`, { body: input });
  }

  /** Stops the active run (or, with `runId` of a queued run, removes it from the queue); resolves when it has ended. */
  stop(conversationId: string, options: { runId?: string } = {}): Promise<StopResult> {
    return this.#http.json<StopResult>('POST', `${conversationPath(conversationId)}/stop`, { body: options.runId === undefined ? {} : { runId: options.runId } });
  }

  /** Carries on from the last run's partial message. */
  continue(conversationId: string): Promise<ContinueResult> {
    return this.#http.json<ContinueResult>('POST', `${conversationPath(conversationId)}/continue`);
  }

  /** A new reply to the user message `messageId` answers (or to `messageId`, a user message), on a new branch; the old replies stay. */
  regenerate(conversationId: string, input: MessageRefInput): Promise<RegenerateResult> {
    return this.#http.json<RegenerateResult>('POST', `${conversationPath(conversationId)}/regenerate`, { body: input });
  }

  /** Shows the branch through `messageId` (see `activeBranch`). */
  selectBranch(conversationId: string, input: MessageRefInput): Promise<SelectBranchResult> {
    return this.#http.json<SelectBranchResult>('POST', `${conversationPath(conversationId)}/select-branch`, { body: input });
  }

  /** The conversation as a JSON export: every message of every branch, with parts, usage and cost (`importConversation` reads it back). */
  export(conversationId: string): Promise<ConversationExport> {
    return this.#http.json<ConversationExport>('GET', `${conversationPath(conversationId)}/export`);
  }

  /** The branch shown as Markdown. */
  exportMarkdown(conversationId: string): Promise<string> {
    return this.#http.text(`${conversationPath(conversationId)}/export/markdown`);
  }

  /** Creates a conversation from an export (new ids), in `project` or the exported one. */
  async import(data: ConversationExport, options: { project?: string } = {}): Promise<Conversation> {
    return (await this.#http.json<{ conversation: Conversation }>('POST', '/v1/conversations/import', { body: data, query: { project: options.project } })).conversation;
  }

  /** Answers a pending approval; resolves once the answer is stored (the run it blocked then resumes). */
  approve(conversationId: string, approvalId: string, input: ApproveInput): Promise<ApproveResult> {
    return this.#http.json<ApproveResult>('POST', `${conversationPath(conversationId)}/approvals/${encodeURIComponent(approvalId)}`, { body: input });
  }
}

export function conversationPath(conversationId: string): string {
  return `/v1/conversations/${encodeURIComponent(conversationId)}`;
}

export async function health(http: Http): Promise<Health> {
  return http.json<Health>('GET', '/v1/health');
}

export async function sessions(http: Http): Promise<SessionInfo[]> {
  return (await http.json<{ sessions: SessionInfo[] }>('GET', '/v1/sessions')).sessions;
}

export function models(http: Http): Promise<ModelList> {
  return http.json<ModelList>('GET', '/v1/models');
}

export async function search(http: Http, text: string, options: { project?: string; limit?: number }): Promise<MessageSearchHit[]> {
  return (await http.json<{ hits: MessageSearchHit[] }>('GET', '/v1/search', { query: { q: text, project: options.project, limit: options.limit } })).hits;
}

export async function limits(http: Http): Promise<RequestLimits> {
  return (await http.json<{ limits: RequestLimits }>('GET', '/v1/limits')).limits;
}
