/**
 * The chat page's HTML: the bundled script and styles from the extension's own `dist/webview`,
 * under a Content-Security-Policy that allows nothing else — no remote content, no inline script
 * (one nonce for the one script), no style sheet from elsewhere (style attributes, which math needs,
 * are allowed), no connections at all (the page talks only to the host, through
 * `postMessage`). Model output is sanitized before it is rendered, and the CSP is the second wall.
 */
export type WebviewAssets = { script: string; style: string; cspSource: string; nonce: string };

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    // Style sheets only from the bundle; style attributes allowed, as KaTeX lays formulas out with them
    // (a style attribute runs nothing, and with no connections or remote images it can send nothing).
    `style-src-elem ${cspSource}`,
    "style-src-attr 'unsafe-inline'",
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function chatPageHtml(assets: WebviewAssets): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(assets.cspSource, assets.nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${assets.style}">
<title>Confab</title>
</head>
<body>
<div id="root"></div>
<script nonce="${assets.nonce}" src="${assets.script}"></script>
</body>
</html>`;
}

/** 32 random characters for the script nonce. */
export function newNonce(random: (bytes: Uint8Array) => Uint8Array = (bytes) => crypto.getRandomValues(bytes)): string {
  return Array.from(random(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
