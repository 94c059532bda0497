/** A request target split into its path and query, without resolving it against any host. */
export function splitUrl(url: string | undefined): { pathname: string; query: URLSearchParams } {
  const target = url ?? '/';
  const mark = target.indexOf('?');
  return mark < 0 ? { pathname: target, query: new URLSearchParams() } : { pathname: target.slice(0, mark), query: new URLSearchParams(target.slice(mark + 1)) };
}
