import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * Serves a built single-page app from `root`: a file when the path names one inside `root`, else
 * `index.html` (the app routes on the client). Paths are decoded and resolved, and anything that
 * would leave `root` (`..`, encoded or not, NUL bytes) is refused with 404. GET and HEAD only.
 *
 * Files are streamed with `pipeline`, which destroys the file stream (closing its descriptor) when
 * the response closes early: a client that leaves mid-body must not leave a file open.
 */
export function createStaticHandler(root: string): (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<boolean> {
  const base = resolve(root);
  return async (req, res, pathname) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return false;
    }
    if (decoded.includes('\0')) return false;
    const target = resolve(base, `.${decoded.startsWith('/') ? decoded : `/${decoded}`}`);
    if (target !== base && !target.startsWith(base + sep)) return false;
    const file = (await regularFile(target)) ?? (await regularFile(join(base, 'index.html')));
    if (!file) return false;
    const isIndex = file.path === join(base, 'index.html');
    res.writeHead(200, {
      'content-type': contentTypes[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
      'content-length': file.size,
      'cache-control': isIndex ? 'no-cache' : 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    // Gone while we looked the file up: do not open it at all.
    if (res.destroyed) return true;
    // Errors (the client left, the file vanished) end in both streams destroyed; nothing to report.
    pipeline(createReadStream(file.path), res, () => {});
    return true;
  };
}

async function regularFile(path: string): Promise<{ path: string; size: number } | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? { path, size: info.size } : undefined;
  } catch {
    return undefined;
  }
}
