// Finds pipeline test files: `*.test.yaml` (and `.test.yml`) under the given folders, recursively,
// skipping node_modules and hidden folders. A file named explicitly is taken as is.
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const TEST_FILE = /\.test\.ya?ml$/;
const SKIP_DIRS = new Set(['node_modules']);
/** Bound on folders visited, so a path given by mistake (/, $HOME) ends. */
const MAX_DIRS = 20_000;

export type Discovery = { ok: true; files: string[] } | { ok: false; missing: string[] };

/** The test files under `paths` (default: the current folder), absolute and sorted per path. */
export async function findTestFiles(paths: string[], cwd = process.cwd()): Promise<Discovery> {
  const roots = paths.length > 0 ? paths : ['.'];
  const files: string[] = [];
  const missing: string[] = [];
  for (const p of roots) {
    const abs = resolve(cwd, p);
    const st = await stat(abs).catch(() => undefined);
    if (st === undefined) missing.push(p);
    else if (st.isFile()) files.push(abs);
    else files.push(...(await walk(abs)));
  }
  if (missing.length > 0) return { ok: false, missing };
  return { ok: true, files: [...new Set(files)] };
}

async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  const queue = [root];
  for (let visited = 0; queue.length > 0 && visited < MAX_DIRS; visited++) {
    const dir = queue.shift() as string;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) queue.push(join(dir, e.name));
      } else if ((e.isFile() || e.isSymbolicLink()) && TEST_FILE.test(e.name)) {
        out.push(join(dir, e.name));
      }
    }
  }
  return out.sort();
}
