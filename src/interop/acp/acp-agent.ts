import { realpath } from 'node:fs/promises';
import { agent, methods, PROTOCOL_VERSION, RequestError, type AgentApp, type AgentContext, type SessionInfo } from '@agentclientprotocol/sdk';
import { ConfabClientError, type ConfabClient, type Project } from '../../client/index.ts';
import { enclosingProject, projectNameFor } from '../../cli/project-choice.ts';
import { AcpSession } from './acp-session.ts';

export type AcpAgentOptions = {
  /** The Confab server the sessions live on. */
  client: ConfabClient;
  /** Model for new conversations (default: the server's default model). */
  model?: string;
  version: string;
};

/** Sessions listed per `session/list` page. */
const listPageSize = 50;

/**
 * Confab as an ACP agent (`confab acp`): sessions are conversations on a running Confab server,
 * reached through the client SDK, so the runs belong to the server (a closed editor loses
 * nothing, and the web UI or the CLI can watch the same conversation).
 *
 * - `session/new`: a conversation in the project registered for `cwd` (or the directory above it
 *   that is); when there is none, a new project for `cwd`, named after it.
 * - `session/prompt`: a send; the reply streams as `session/update`s; the answer's `stopReason`
 *   says how the run ended. `session/cancel`: stop.
 * - Approvals the run asks for: `session/request_permission`; the option chosen is the decision.
 * - `session/load`: the conversation's history replayed as updates, then the reply still being
 *   written, live. `session/list`: the conversations (of the project at `cwd` when given).
 */
export function createAcpAgent(options: AcpAgentOptions): AgentApp & { closeSessions(): void } {
  const { client } = options;
  const sessions = new Map<string, AcpSession>();

  const open = (conversationId: string, project: Project, peer: AgentContext) => {
    sessions.get(conversationId)?.close();
    const session = new AcpSession({ watch: client.watch(conversationId), project, peer });
    sessions.set(conversationId, session);
    return session;
  };
  const sessionOf = (sessionId: string) => {
    const session = sessions.get(sessionId);
    if (!session) throw RequestError.sessionNotFound(sessionId);
    return session;
  };

  const app = agent({ name: 'confab' })
    .onRequest(methods.agent.initialize, () => ({
      protocolVersion: PROTOCOL_VERSION,
      agentCapabilities: { loadSession: true, promptCapabilities: { embeddedContext: true }, sessionCapabilities: { list: {} } },
      agentInfo: { name: 'confab', title: 'Confab', version: options.version },
      authMethods: [],
    }))
    .onRequest(methods.agent.session.new, async ({ params, client: peer }) => {
      const project = await projectFor(client, params.cwd, { create: true });
      const conversation = await confab(() => client.conversations.create({ projectName: project!.name, ...(options.model ? { model: options.model } : {}) }));
      open(conversation.id, project!, peer);
      return { sessionId: conversation.id };
    })
    .onRequest(methods.agent.session.load, async ({ params, client: peer }) => {
      const detail = await confab(() => client.conversations.get(params.sessionId), params.sessionId);
      const project = await confab(() => client.projects.get(detail.conversation.projectName));
      await open(params.sessionId, project, peer).replay();
      return {};
    })
    .onRequest(methods.agent.session.list, async ({ params }) => {
      const projects = await confab(() => client.projects.list());
      const project = params.cwd ? await projectFor(client, params.cwd, { create: false, projects }) : undefined;
      if (params.cwd && !project) return { sessions: [] };
      const before = params.cursor ? Number(params.cursor) : undefined;
      if (before !== undefined && !Number.isFinite(before)) throw RequestError.invalidParams(undefined, 'cursor is not one this agent gave');
      const page = await confab(() => client.conversations.list({ project: project?.name, limit: listPageSize, before }));
      const paths = new Map(projects.map((candidate) => [candidate.name, candidate.path]));
      const listed: SessionInfo[] = page.conversations.map((conversation) => ({
        sessionId: conversation.id,
        cwd: paths.get(conversation.projectName) ?? '',
        title: conversation.title || null,
        updatedAt: new Date(conversation.updatedAt).toISOString(),
      }));
      return { sessions: listed, nextCursor: page.nextBefore === null ? null : String(page.nextBefore) };
    })
    .onRequest(methods.agent.session.prompt, ({ params }) => confab(() => sessionOf(params.sessionId).prompt(params.prompt), params.sessionId))
    .onNotification(methods.agent.session.cancel, async ({ params }) => {
      await sessions.get(params.sessionId)?.cancel();
    });

  return Object.assign(app, {
    closeSessions() {
      for (const session of sessions.values()) session.close();
      sessions.clear();
    },
  });
}

/**
 * The project registered for `cwd` or the nearest directory above it; with `create`, a new
 * project for `cwd` when there is none (as `confab ask` and `confab chat` do).
 */
async function projectFor(client: ConfabClient, cwd: string, options: { create: boolean; projects?: Project[] }): Promise<Project | undefined> {
  const directory = await realpath(cwd).catch(() => {
    throw RequestError.invalidParams(undefined, `cwd ${cwd} is not a directory this machine has`);
  });
  const projects = options.projects ?? (await confab(() => client.projects.list()));
  const found = enclosingProject(projects, directory);
  if (found || !options.create) return found;
  const name = projectNameFor(directory);
  if (projects.some((project) => project.name === name)) {
    throw RequestError.invalidParams(undefined, `no project is registered for ${directory}, and the name "${name}" is taken; register it with \`confab projects add NAME ${directory}\``);
  }
  return confab(() => client.projects.create({ name, path: directory }));
}

/** Confab's wire errors as JSON-RPC errors: unknown sessions as ACP's, bad input as invalid params, the rest as internal errors with the code. */
async function confab<T>(call: () => Promise<T>, sessionId?: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof RequestError || !ConfabClientError.is(error)) throw error;
    if (error.code === 'not_found' && sessionId !== undefined) throw RequestError.sessionNotFound(sessionId);
    if (error.code === 'bad_request' || error.code === 'payload_too_large' || error.code === 'unknown_model') throw RequestError.invalidParams({ code: error.code }, error.message);
    throw RequestError.internalError({ code: error.code }, error.message);
  }
}
