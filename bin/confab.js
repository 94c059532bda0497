#!/usr/bin/env node
// The `confab` command. In a checkout it runs the TypeScript sources directly (Node 24 strips the
// types), so development never needs a build; in the installed package, which ships compiled
// JavaScript and no src/, it runs dist/ (Node refuses to strip types under node_modules).
import { existsSync } from 'node:fs';

const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`confab needs Node.js 24 or newer; this is Node.js ${process.versions.node}.\n`);
  process.exit(1);
}

const source = new URL('../src/cli/main.ts', import.meta.url);
const inCheckout = existsSync(source) && !source.pathname.includes('/node_modules/');
await import(inCheckout ? source.href : '../dist/cli/main.js');
