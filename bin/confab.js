#!/usr/bin/env node
// Thin launcher: the CLI is TypeScript, run directly by Node 24's type stripping.
import '../src/cli/main.ts';
