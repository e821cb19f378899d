#!/usr/bin/env node
// The `sluice` command. In a clone it runs the TypeScript sources directly (Node 24); installed
// as a package it runs the build in dist/ (Node does not strip types under node_modules).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/cli.js', import.meta.url);
const source = new URL('../runtime/cli.ts', import.meta.url);
if (import.meta.url.includes('/node_modules/') || !existsSync(source)) {
  if (!existsSync(built)) {
    process.stderr.write(
      `sluice: ${fileURLToPath(built)} is missing: this copy of the package was not built. ` +
        'Install a published or packed sluice (npm pack), or run `npm run build` in its folder.\n',
    );
    process.exit(1);
  }
  await import(built.href);
} else {
  await import(source.href);
}
