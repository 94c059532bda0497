import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import openapiTS, { astToString } from 'openapi-typescript';
import { StreamLimiter } from '../../src/server/auth/stream-limiter.ts';
import { ServerMetrics } from '../../src/server/metrics/server-metrics.ts';
import { buildOpenApiDocument } from '../../src/server/openapi/openapi-document.ts';
import { buildRouteTable } from '../../src/server/routes/route-table.ts';
import { StreamRegistry } from '../../src/server/stream-registry.ts';
import type { SessionHub } from '../../src/engine/session-hub.ts';
import { withTestServer } from '../support/server-fixture.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
type Doc = { openapi: string; paths: Record<string, Record<string, { operationId: string; security?: unknown[] }>>; components: { schemas: Record<string, unknown> } };

function routeTable(hub: SessionHub, env: Record<string, string | undefined>) {
  const models = { list: () => [], defaultModel: () => undefined };
  return buildRouteTable({ hub, models, version: '0', streams: new StreamRegistry(new StreamLimiter(1)), token: 't', sseKeepAliveMs: 15_000, env, metrics: new ServerMetrics({ defaultMetrics: false }) });
}

/** `GET /v1/projects/{name}` for every operation of a document. */
function operations(doc: Doc): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

async function fetchDocument(url: string): Promise<Doc> {
  const response = await fetch(`${url}/v1/openapi.json`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
  return (await response.json()) as Doc;
}

describe('OpenAPI document', () => {
  it('GET /v1/openapi.json needs no token and lists exactly the routes of the route table', async () => {
    await withTestServer(async (server) => {
      const doc = await fetchDocument(server.url);
      const served = routeTable(server.hub, process.env).routes();
      assert.deepEqual(operations(doc), served.map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`).sort());
      assert.ok(served.length >= 16, `the table has the server's routes (${served.length})`);
      // Public routes say so; the others need the token, as the server enforces.
      assert.deepEqual(doc.paths['/v1/health'].get.security, []);
      assert.equal(doc.paths['/v1/sessions'].get.security, undefined);
      assert.equal((await fetch(`${server.url}/v1/sessions`)).status, 401);
      // Nothing in it is this server's data or secret.
      const text = JSON.stringify(doc);
      for (const secret of [server.token, server.projectDir, server.conversationId, server.upstream.url]) assert.ok(!text.includes(secret), secret);
    });
  });

  it('follows the table: a route added to it (the benchmark hook) appears in the document', async () => {
    await withTestServer(async (server) => {
      const withBench = buildOpenApiDocument(routeTable(server.hub, { CONFAB_BENCH_METRICS: '1' }).routes(), { version: '0' }) as Doc;
      const without = buildOpenApiDocument(routeTable(server.hub, {}).routes(), { version: '0' }) as Doc;
      assert.deepEqual(operations(withBench), [...operations(without), 'GET /v1/debug/metrics'].sort());
    });
  });

  it('validates as OpenAPI 3.1, and every $ref resolves', async () => {
    await withTestServer(async (server) => {
      const doc = await fetchDocument(server.url);
      assert.equal(doc.openapi, '3.1.0');
      const validator = new Validator();
      const result = await validator.validate(doc as unknown as Parameters<Validator['validate']>[0]);
      assert.deepEqual(result.errors ?? [], []);
      assert.equal(result.valid, true);
      assert.equal(validator.version, '3.1');
      const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g)];
      assert.ok(refs.length > 50);
      for (const [, kind, name] of refs) assert.ok((doc.components as Record<string, Record<string, unknown>>)[kind]?.[name], `${kind}/${name}`);
    });
  });

  it('generates, with openapi-typescript, a client whose types agree with the server\'s own', async () => {
    await withTestServer(async (server) => {
      const doc = await fetchDocument(server.url);
      const dir = await mkdtemp(join(tmpdir(), 'confab-openapi-'));
      try {
        await writeFile(join(dir, 'confab-api.ts'), astToString(await openapiTS(doc as never)));
        await writeFile(join(dir, 'usage.ts'), usageFile(repoRoot));
        await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['usage.ts'] }));
        const result = await runTsc(dir);
        assert.equal(result.output, '', 'tsc reports nothing');
        assert.equal(result.code, 0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});

const compilerOptions = {
  strict: true,
  noEmit: true,
  target: 'es2022',
  module: 'nodenext',
  moduleResolution: 'nodenext',
  lib: ['es2023', 'dom'],
  types: [],
  allowImportingTsExtensions: true,
  skipLibCheck: true,
};

function runTsc(cwd: string): Promise<{ code: number; output: string }> {
  const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', join(cwd, 'tsconfig.json')], { cwd, timeout: 50_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

/**
 * A small client written against the generated types, checked against the server's own types
 * both ways. Each `@ts-expect-error` line must fail to compile, so the types cannot be `any`.
 */
function usageFile(root: string): string {
  return `
import type { components, paths } from './confab-api.ts';
import type { Conversation, Message, Run } from '${root}src/domain/schemas.ts';
import type { SendInput } from '${root}src/domain/requests.ts';
import type { ConversationPage, ModelList } from '${root}src/client/api-types.ts';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Send = paths['/v1/conversations/{id}/messages']['post'];
type SendBody = Json<Send['requestBody']>;
type SendReply = Json<Send['responses'][202]>;
type Busy = Json<Send['responses'][409]>;
type Page = Json<paths['/v1/conversations']['get']['responses'][200]>;
type Event = components['schemas']['Event'];

export async function sendMessage(baseUrl: string, token: string, conversationId: Send['parameters']['path']['id'], body: SendBody): Promise<SendReply> {
  const response = await fetch(\`\${baseUrl}/v1/conversations/\${encodeURIComponent(conversationId)}/messages\`, {
    method: 'POST',
    headers: { authorization: \`Bearer \${token}\`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status === 409) throw new Error(((await response.json()) as Busy).error.code);
  return (await response.json()) as SendReply;
}

export function deltaText(event: Event): string {
  return event.type === 'part-delta' ? event.data.delta : '';
}

export const page: Page = { conversations: [], nextBefore: null };
export const query: paths['/v1/conversations']['get']['parameters']['query'] = { project: 'demo', limit: '20' };
export const fromServerInput: SendBody = {} as SendInput;
export const run: Run = {} as SendReply['run'];
export const generatedRun: SendReply['run'] = {} as Run;
export const message: Message = {} as SendReply['message'];
export const generatedMessage: SendReply['message'] = {} as Message;
export const conversation: Conversation = {} as Json<paths['/v1/conversations/{id}']['get']['responses'][200]>['conversation'];
export const sdkPage: ConversationPage = page;
export const sdkModels: ModelList = {} as Json<paths['/v1/models']['get']['responses'][200]>;
export const code: Busy['error']['code'] = 'conversation_busy';
// @ts-expect-error: not an error code
export const badCode: Busy['error']['code'] = 'busy';
// @ts-expect-error: onBusy is enqueue, reject or interrupt
export const badBody: SendBody = { content: 'hi', onBusy: 'later' };
// @ts-expect-error: content is required
export const noContent: SendBody = {};
// @ts-expect-error: a run has no such status
export const badRun: SendReply['run']['status'] = 'paused';
`;
}
