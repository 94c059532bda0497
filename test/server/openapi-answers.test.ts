import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { openSse } from '../support/sse-client.ts';
import { withTestServer, type TestServer } from '../support/server-fixture.ts';

type Json = Record<string, any>;

/**
 * Checks answers against the document the server serves, with a JSON Schema validator that knows
 * nothing of zod: the document must describe what the server really sends (no field missing, none
 * extra, the right status), not merely what its types say.
 */
class DocumentChecker {
  readonly #doc: Json;
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });
  readonly checked = new Set<string>();

  constructor(doc: Json) {
    this.#doc = doc;
    this.#ajv.addSchema({ $id: 'confab', components: doc.components });
  }

  /** Asserts `body` is what the document says `method path` answers with `status` (as `contentType`). */
  answer(method: string, path: string, status: number, body: unknown, contentType = 'application/json'): void {
    const [template, item] = Object.entries(this.#doc.paths as Json).find(([candidate]) => pathRegex(candidate).test(path.split('?')[0])) ?? [];
    assert.ok(item, `the document has ${path}`);
    const operation = item[method.toLowerCase()];
    assert.ok(operation, `the document has ${method} ${template}`);
    let response = operation.responses[String(status)];
    assert.ok(response, `the document lists ${status} for ${method} ${template}`);
    if (response.$ref) response = this.#doc.components.responses[response.$ref.split('/').pop()];
    this.checked.add(`${method} ${template} ${status}`);
    if (body === undefined) return assert.equal(response.content, undefined, `${method} ${template} ${status} has a body`);
    const schema = response.content?.[contentType]?.schema;
    assert.ok(schema, `${method} ${template} ${status} has a ${contentType} schema`);
    const validate = this.#ajv.compile({ $ref: `confab${schema.$ref}` });
    assert.ok(validate(body), `${method} ${path} ${status}: ${JSON.stringify(validate.errors?.slice(0, 3))}\n${JSON.stringify(body).slice(0, 400)}`);
  }
}

function pathRegex(template: string): RegExp {
  return new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`);
}

async function call(server: TestServer, checker: DocumentChecker, method: string, path: string, body?: unknown, headers?: Record<string, string>) {
  const response = await server.request(method, path, body, headers);
  checker.answer(method, path, response.status, response.status === 204 ? undefined : response.body);
  return response;
}

describe('OpenAPI document against real answers', () => {
  it('every answer of a scripted session, events included, matches the document exactly', async () => {
    await withTestServer(async (server) => {
      const doc = await (await fetch(`${server.url}/v1/openapi.json`)).json();
      const checker = new DocumentChecker(doc);
      checker.answer('GET', '/v1/openapi.json', 200, doc);
      const health = await fetch(`${server.url}/v1/health`);
      checker.answer('GET', '/v1/health', health.status, await health.json());
      for (const path of ['/v1/models', '/v1/limits', '/v1/sessions', '/v1/projects', '/v1/projects/demo']) await call(server, checker, 'GET', path);

      const created = await call(server, checker, 'POST', '/v1/conversations', { projectName: 'demo', title: 'Second' });
      const second = created.body.conversation.id as string;
      await call(server, checker, 'PATCH', `/v1/conversations/${second}`, { title: 'Renamed', busyPolicy: 'reject' });

      const id = server.conversationId;
      const sse = await openSse(`${server.url}/v1/conversations/${id}/events`, server.authHeaders);
      server.upstream.enqueue(
        { kind: 'stream', chunks: [{ text: 'Let me look.' }, { toolCall: { id: 'call_1', name: 'read_file', arguments: '{"path":"notes.txt"}' } }] },
        { kind: 'error', status: 429, message: 'Slow down', headers: { 'retry-after': '0' } },
        { kind: 'stream', chunks: [{ reasoning: 'Read it.' }, { text: 'Done.' }] },
      );
      await call(server, checker, 'POST', `/v1/conversations/${id}/messages`, { content: 'Read the notes', context: [{ path: 'README.md', range: { start: 1, end: 1 } }] });
      await sse.waitFor((event) => event.type === 'run-completed');
      const sessions = await call(server, checker, 'GET', '/v1/sessions');
      assert.equal(sessions.body.sessions.find((session: Json) => session.conversationId === id).subscribers, 1);
      sse.close();
      const types = new Set<string>();
      for (const event of sse.events()) {
        checker.answer('GET', `/v1/conversations/${id}/events`, 200, event, 'text/event-stream');
        types.add(event.type);
      }
      for (const type of ['snapshot', 'message-created', 'run-started', 'part-delta', 'tool-call', 'run-retrying', 'run-completed']) assert.ok(types.has(type), type);

      const detail = await call(server, checker, 'GET', `/v1/conversations/${id}`);
      assert.ok(detail.body.messages[1].parts.some((part: Json) => part.kind === 'tool-call' && part.state.status === 'completed'));
      await call(server, checker, 'GET', '/v1/conversations?project=demo&limit=1');
      await call(server, checker, 'POST', `/v1/conversations/${id}/stop`);
      await call(server, checker, 'POST', `/v1/conversations/${id}/continue`);
      await call(server, checker, 'GET', '/v1/projects/nope');
      await call(server, checker, 'POST', `/v1/conversations/${id}/messages`, { content: '' });
      await call(server, checker, 'DELETE', `/v1/conversations/${second}`);
      const refused = await fetch(`${server.url}/v1/models`);
      checker.answer('GET', '/v1/models', refused.status, await refused.json());

      assert.deepEqual([...checker.checked].sort(), [
        'DELETE /v1/conversations/{id} 204',
        'GET /v1/conversations 200',
        'GET /v1/conversations/{id} 200',
        'GET /v1/conversations/{id}/events 200',
        'GET /v1/health 200',
        'GET /v1/limits 200',
        'GET /v1/models 200',
        'GET /v1/models 401',
        'GET /v1/openapi.json 200',
        'GET /v1/projects 200',
        'GET /v1/projects/{name} 200',
        'GET /v1/projects/{name} 404',
        'GET /v1/sessions 200',
        'PATCH /v1/conversations/{id} 200',
        'POST /v1/conversations 201',
        'POST /v1/conversations/{id}/continue 409',
        'POST /v1/conversations/{id}/messages 202',
        'POST /v1/conversations/{id}/messages 400',
        'POST /v1/conversations/{id}/stop 200',
      ]);
    });
  });
});
