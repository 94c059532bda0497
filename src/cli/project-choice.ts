import { realpath } from 'node:fs/promises';
import { basename, sep } from 'node:path';
import { ConfabClientError, type ConfabClient, type Project } from '../client/index.ts';
import { CliError } from './cli-args.ts';

export type ProjectChoice = { project: Project; reason: string };

/**
 * The project a conversation goes into: `--project P` when given; else the only project; else the
 * one registered for the current directory or the nearest directory above it; else a new project
 * for the current directory, named after its basename. `reason` says which, for the user.
 */
export async function chooseProject(client: ConfabClient, requested: string | undefined, cwd: string): Promise<ProjectChoice> {
  if (requested !== undefined) return { project: await getProject(client, requested), reason: '--project' };
  const projects = await client.projects.list();
  if (projects.length === 1) return { project: projects[0], reason: 'the only project' };
  const directory = await realpath(cwd).catch(() => cwd);
  const enclosing = enclosingProject(projects, directory);
  if (enclosing) {
    return { project: enclosing, reason: enclosing.path === directory ? 'registered for this directory' : `registered for ${enclosing.path}, which holds this directory` };
  }
  const name = projectNameFor(directory);
  const taken = projects.find((project) => project.name === name);
  if (taken) {
    throw new CliError(`several projects exist and none is registered for ${directory}; the name "${name}" is taken by ${taken.path}. Choose one with --project (see \`confab projects list\`).`);
  }
  const project = await client.projects.create({ name, path: directory });
  return { project, reason: `new project for ${directory}` };
}

/**
 * The project whose directory is `directory` or holds it, the deepest when projects nest. Paths are
 * compared whole component by component: /code/app holds /code/app/src, not /code/app-old.
 */
export function enclosingProject(projects: Project[], directory: string): Project | undefined {
  let best: Project | undefined;
  for (const project of projects) {
    const base = project.path.endsWith(sep) ? project.path : project.path + sep;
    const holds = directory === project.path || directory.startsWith(base);
    if (holds && (best === undefined || project.path.length > best.path.length)) best = project;
  }
  return best;
}

/** A project by name, with a helpful error when there is none. */
export async function getProject(client: ConfabClient, name: string): Promise<Project> {
  try {
    return await client.projects.get(name);
  } catch (error) {
    if (ConfabClientError.is(error, 'not_found')) {
      throw new CliError(`no project named "${name}". List them with \`confab projects list\`, or add one with \`confab projects add ${name} PATH\`.`);
    }
    throw error;
  }
}

/** A valid project name (`^[a-zA-Z0-9_-]{1,64}$`) from a directory's basename. */
export function projectNameFor(directory: string): string {
  const name = basename(directory).replace(/[^a-zA-Z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
  return name === '' ? 'project' : name;
}
