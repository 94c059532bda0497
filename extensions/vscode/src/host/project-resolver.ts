/**
 * Workspace folder ↔ Confab project. A folder is the project whose path is that folder; the first
 * time a folder is used the user confirms creating it (and may change the name). Each folder of a
 * multi-root workspace is its own project; which folder a command means comes from the active editor,
 * else the user picks. Answers are remembered for the session (the server's list is the truth).
 */
import { realpathSync } from 'node:fs';
import type { ConfabClient, Project } from '../../../../src/client/index.ts';
import { ConfabClientError } from '../../../../src/client/index.ts';
import { isValidProjectName, projectForFolder, suggestProjectName } from './project-name.ts';
import type { Vscode, api } from './vscode-types.ts';

export class ProjectResolver {
  readonly #vscode: Vscode;
  readonly #known = new Map<string, string>();

  constructor(vscode: Vscode) {
    this.#vscode = vscode;
  }

  /** The folder a command is about: the active editor's, the only one, or the user's pick (undefined: none or cancelled). */
  async pickFolder(hint?: api.Uri): Promise<api.WorkspaceFolder | undefined> {
    const { workspace, window } = this.#vscode;
    const folders = workspace.workspaceFolders ?? [];
    if (folders.length === 0) return undefined;
    const from = hint ?? window.activeTextEditor?.document.uri;
    const owner = from ? workspace.getWorkspaceFolder(from) : undefined;
    if (owner) return owner;
    if (folders.length === 1) return folders[0];
    return window.showWorkspaceFolderPick({ placeHolder: 'Which folder (Confab project) is this chat about?' });
  }

  /** The project of `folder` if the server has one, without asking anything. */
  async existing(client: ConfabClient, folder: api.WorkspaceFolder): Promise<Project | null> {
    const projects = await client.projects.list();
    const project = projectForFolder(projects, folderPaths(folder));
    if (project) this.#known.set(folder.uri.toString(), project.name);
    return project;
  }

  /** The project of `folder`, created after the user confirms; null when they decline. */
  async resolve(client: ConfabClient, folder: api.WorkspaceFolder): Promise<string | null> {
    const remembered = this.#known.get(folder.uri.toString());
    if (remembered) return remembered;
    const projects = await client.projects.list();
    const found = projectForFolder(projects, folderPaths(folder));
    if (found) {
      this.#known.set(folder.uri.toString(), found.name);
      return found.name;
    }
    const { window } = this.#vscode;
    const suggested = suggestProjectName(folder.name, projects.map((project) => project.name));
    const create = 'Create Project';
    const answer = await window.showInformationMessage(
      `Folder "${folder.name}" is not a Confab project yet. Create project "${suggested}" for it?`,
      { modal: true, detail: `Confab's assistant will be able to list, read and search files in ${folder.uri.fsPath}.` },
      create,
      'Choose Another Name',
    );
    if (answer === undefined) return null;
    let name = suggested;
    if (answer !== create) {
      const typed = await window.showInputBox({
        title: 'Confab project name',
        value: suggested,
        validateInput: (value) => (isValidProjectName(value) ? null : 'Letters, digits, "-" and "_", at most 64.'),
      });
      if (!typed) return null;
      name = typed;
    }
    try {
      await client.projects.create({ name, path: folder.uri.fsPath });
    } catch (error) {
      // Created meanwhile (another window, the same click twice): use it if it is this folder.
      if (!ConfabClientError.is(error, 'bad_request')) throw error;
      const again = projectForFolder(await client.projects.list(), folderPaths(folder));
      if (!again) throw error;
      name = again.name;
    }
    this.#known.set(folder.uri.toString(), name);
    return name;
  }

  forget(): void {
    this.#known.clear();
  }
}

/** The folder's path as VS Code has it and as the server stores it (resolved: symlinks followed). */
function folderPaths(folder: api.WorkspaceFolder): string[] {
  try {
    return [folder.uri.fsPath, realpathSync(folder.uri.fsPath)];
  } catch {
    return [folder.uri.fsPath];
  }
}
