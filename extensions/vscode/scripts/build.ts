/**
 * `npm run build:vscode` (or `npm run build` in extensions/vscode): bundles the extension and packs
 * it into `extensions/vscode/confab-vscode-<version>.vsix`.
 *
 *   dist/extension.cjs        the extension host side (CommonJS; `vscode` and Node's modules stay external)
 *   dist/webview/webview.js   the chat page (an IIFE, React and the web UI's components inside)
 *   dist/webview/webview.css  its styles
 *   dist/webview/fonts/       KaTeX's fonts (math in replies)
 *
 * Both are plain JavaScript, bundled by Vite (already the web UI's bundler), so the editor needs no
 * type stripping. Prints the .vsix path on its last line.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { build, type InlineConfig } from 'vite';
import { packVsix, type ExtensionManifest } from './vsix.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const alias = { 'confab/client': fileURLToPath(new URL('../../../src/client/index.ts', import.meta.url)) };
const shared: InlineConfig = { configFile: false, root, logLevel: 'warn', resolve: { alias } };

rmSync(join(root, 'dist'), { recursive: true, force: true });

await build({
  ...shared,
  build: {
    ssr: 'src/host/extension.ts',
    outDir: 'dist',
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    rollupOptions: { external: ['vscode'], output: { format: 'cjs', entryFileNames: 'extension.cjs' } },
  },
  ssr: { noExternal: true, target: 'node' },
});

await build({
  ...shared,
  plugins: [react()],
  base: './', // asset URLs relative to webview.css, which the webview loads from the extension's folder
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: 'dist/webview',
    emptyOutDir: true,
    target: 'es2022',
    cssCodeSplit: false,
    chunkSizeWarningLimit: 2048,
    rollupOptions: {
      input: join(root, 'src/webview/main.tsx'),
      // One stylesheet, webview.css; KaTeX's fonts beside it under fonts/ (the CSP's font-src is the bundle).
      output: { format: 'iife', entryFileNames: 'webview.js', assetFileNames: (asset) => (asset.names.some((name) => name.endsWith('.css')) ? 'webview.css' : 'fonts/[name][extname]') },
    },
  },
});

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as ExtensionManifest & { scripts?: unknown };
// What the editor installs: the manifest (without the build scripts), the README, the bundles, the icon.
const { scripts: _scripts, ...installed } = manifest;
const files = [
  { name: 'package.json', data: Buffer.from(`${JSON.stringify(installed, null, 2)}\n`) },
  { name: 'README.md', data: readFileSync(join(root, 'README.md')) },
  ...listFiles(join(root, 'dist')),
  ...listFiles(join(root, 'media')),
];
const output = join(root, `${manifest.name}-${manifest.version}.vsix`);
mkdirSync(root, { recursive: true });
writeFileSync(output, packVsix(manifest, files));
process.stdout.write(`${files.length} files, ${Math.round(statSync(output).size / 1024)} KiB\n${output}\n`);

function listFiles(dir: string): { name: string; data: Buffer }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
    .map((path) => ({ name: relative(root, path).replaceAll('\\', '/'), data: readFileSync(path) }));
}
