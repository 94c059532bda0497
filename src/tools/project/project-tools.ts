import type { Tool } from '../tool.ts';
import { createListFilesTool } from './list-files-tool.ts';
import type { ListFilesOptions } from './list-files-tool.ts';
import { createReadFileTool } from './read-file-tool.ts';
import type { ReadFileOptions } from './read-file-tool.ts';
import { createSearchTextTool } from './search-text-tool.ts';
import type { SearchTextOptions } from './search-text-tool.ts';

export type ProjectToolsOptions = {
  listFiles?: ListFilesOptions;
  readFile?: ReadFileOptions;
  searchText?: SearchTextOptions;
};

/** The built-in, read-only tools over a conversation's project: list_files, read_file, search_text. */
export function createProjectTools(options: ProjectToolsOptions = {}): Tool[] {
  return [
    createListFilesTool(options.listFiles),
    createReadFileTool(options.readFile),
    createSearchTextTool(options.searchText),
  ];
}
