// `npm run build` (also run by `prepare`, so by `npm ci` and `npm pack`): compiles runtime/ into
// dist/ for the installed package, where Node will not strip types (files under node_modules).
// dist/ mirrors runtime/ at the same depth (dist/cli.js next to ../package.json, ../valves,
// ../schemas, ../examples), so every path a runtime file builds from its own location resolves
// the same from the source and from the build. tsc emits only .ts; the in-isolate driver is read
// as source text at run time and is copied beside the compiled sandbox files.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
export const DIST = join(ROOT, 'dist');
/** Files under runtime/ the build carries over as they are. */
const ASSETS = ['sandbox/isolate-driver.js'];

/** Removes dist/ and builds it afresh (a stale file from a renamed source would linger). */
export function build(): void {
  rmSync(DIST, { recursive: true, force: true });
  const tsc = join(dirname(fileURLToPath(import.meta.resolve('typescript/package.json'))), 'bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  for (const asset of ASSETS) copyFileSync(join(ROOT, 'runtime', asset), join(DIST, asset));
}

/** True when dist/ is missing or older than a file under runtime/ (it needs `npm run build`). */
export function distIsStale(): boolean {
  let built: number;
  try {
    built = statSync(join(DIST, 'index.js')).mtimeMs;
  } catch {
    return true;
  }
  const newest = (dir: string): number => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }
    return t;
  };
  return newest(join(ROOT, 'runtime')) > built;
}

if (import.meta.main) build();
