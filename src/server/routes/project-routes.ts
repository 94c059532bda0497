import { z } from 'zod';
import type { Router } from '../http/router.ts';
import { parseInput } from '../http/parse-input.ts';
import type { RouteDeps } from './route-deps.ts';

const NewProjectSchema = z.object({ name: z.string(), path: z.string() });

export function addProjectRoutes(router: Router, { hub }: RouteDeps): void {
  router
    .add('GET', '/v1/projects', async () => ({ status: 200, body: { projects: await hub.listProjects() } }))
    .add('POST', '/v1/projects', async ({ body }) => {
      const input = parseInput(NewProjectSchema, await body(), 'project');
      return { status: 201, body: { project: await hub.createProject(input) } };
    })
    .add('GET', '/v1/projects/:name', async ({ params }) => ({ status: 200, body: { project: await hub.getProject(params.name) } }))
    .add('DELETE', '/v1/projects/:name', async ({ params }) => {
      await hub.deleteProject(params.name);
      return { status: 204 };
    });
}
