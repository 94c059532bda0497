/**
 * Downloads a file the server serves with `content-disposition: attachment` (an export): the page's
 * cookie signs the request in, and the server's header names the file.
 */
export function download(path: string): void {
  const link = document.createElement('a');
  link.href = path;
  link.download = '';
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
}
