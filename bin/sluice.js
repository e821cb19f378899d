#!/usr/bin/env node
// The `sluice` command. In a clone it runs the TypeScript sources directly (Node 24); installed
// as a package it runs the build in dist/ (Node does not strip types under node_modules).
import { existsSync } from 'node:fs';

const built = new URL('../dist/runtime/cli.js', import.meta.url);
const source = new URL('../runtime/cli.ts', import.meta.url);
const inPackage = import.meta.url.includes('/node_modules/');
await import(inPackage && existsSync(built) ? built.href : source.href);
