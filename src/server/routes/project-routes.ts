import { NewProjectSchema } from '../../domain/requests.ts';
import { ProjectListSchema, ProjectReplySchema } from '../../domain/responses.ts';
import type { Router } from '../http/router.ts';
import type { RouteDeps } from './route-deps.ts';

const nameParam = { name: 'The project name.' };

export function addProjectRoutes(router: Router, { hub, workers }: RouteDeps): void {
  router
    .add(
      { method: 'GET', path: '/v1/projects', operationId: 'listProjects', tag: 'Projects', summary: 'Lists the projects, with where their runs execute and which machine workers serve them.', responses: { 200: { description: 'The projects.', body: ProjectListSchema } } },
      async () => ({
        status: 200,
        body: {
          projects: (await hub.listProjects()).map((project) => ({
            ...project,
            servedBy: workers?.serves(project) ? ('workers' as const) : ('server' as const),
            workers: workers?.projectWorkers(project.name) ?? [],
          })),
        },
      }),
    )
    .add(
      {
        method: 'POST',
        path: '/v1/projects',
        operationId: 'createProject',
        tag: 'Projects',
        summary: 'Registers a directory as a project.',
        description: '`name` matches `^[a-zA-Z0-9_-]{1,64}$`; `path` is an absolute path to an existing directory, stored resolved. One directory is one project.',
        body: { schema: NewProjectSchema, what: 'project' },
        responses: { 201: { description: 'The project was created.', body: ProjectReplySchema } },
      },
      async ({ body }) => ({ status: 201, body: { project: await hub.createProject(body) } }),
    )
    .add(
      {
        method: 'GET',
        path: '/v1/projects/:name',
        operationId: 'getProject',
        tag: 'Projects',
        summary: 'One project.',
        params: nameParam,
        responses: { 200: { description: 'The project.', body: ProjectReplySchema } },
        errors: ['not_found'],
      },
      async ({ params }) => ({ status: 200, body: { project: await hub.getProject(params.name) } }),
    )
    .add(
      {
        method: 'DELETE',
        path: '/v1/projects/:name',
        operationId: 'deleteProject',
        tag: 'Projects',
        summary: 'Deletes a project and its conversations (stopping their runs).',
        params: nameParam,
        responses: { 204: { description: 'Deleted.' } },
        errors: ['not_found'],
      },
      async ({ params }) => {
        await hub.deleteProject(params.name);
        return { status: 204 };
      },
    );
}
