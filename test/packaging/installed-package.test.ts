// Sluice as a user installs it: `npm pack`, the tarball installed into a fresh project (offline,
// from the npm cache `npm ci` filled, at the versions of package-lock.json), then what the user types: `npx sluice check`, `sluice run`
// proxying through a built-in valve to a real echo backend, the quickstart, `import { createSluice }
// from 'sluice'` in an .mjs file, and the TypeScript types. Node will not strip types under
// node_modules, so this fails when the package reaches for a runtime/*.ts file or for a file the
// build or package.json "files" leaves out.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startEchoBackend } from '../../runtime/testing/echo-backend.ts';
import { build, distIsStale } from '../../scripts/build.ts';
import { connect } from '../helpers/client.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
// Everything runs on this Node (24, the `node` devDependency): npm's scripts and the `sluice` bin
// start `node` from PATH, and the machine's own node may be older.
const ENV: NodeJS.ProcessEnv = {
  PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}`,
  HOME: process.env.HOME,
  npm_config_cache: process.env.npm_config_cache,
  npm_config_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

type LockEntry = { version: string; resolved?: string; dev?: boolean; devOptional?: boolean };

/**
 * The app's package-lock.json: sluice from the tarball, and its dependencies at the versions of
 * this repo's lock (the ones the suite runs on). A lock entry with `resolved` and `integrity` is
 * taken from the cache by its digest alone; without `resolved` npm would first need the package's
 * registry metadata, which a cache `npm ci` filled may not hold.
 */
async function appLock(tarballFile: string): Promise<string> {
  const repo = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const spec = `file:../${tarballFile}`;
  const packages: Record<string, unknown> = {
    '': { name: 'app', dependencies: { sluice: spec } },
    'node_modules/sluice': {
      version: pkg.version,
      resolved: spec,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(repo.packages)) {
    if (!path.startsWith('node_modules/') || entry.dev || entry.devOptional) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const file = `${name.slice(name.lastIndexOf('/') + 1)}-${entry.version}.tgz`;
    packages[path] = { resolved: `https://registry.npmjs.org/${name}/-/${file}`, ...entry };
  }
  return JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }, null, 2);
}

/** Packs the repo and installs the tarball into `app`; resolves with a reason to skip, or false. */
async function installPackage(): Promise<string | false> {
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: ROOT,
    env: ENV,
    timeout: 30_000,
  });
  const tarballFile = (JSON.parse(packed.stdout) as { filename: string }[])[0].filename;
  await mkdir(app);
  await writeFile(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'app',
      private: true,
      type: 'module',
      dependencies: { sluice: `file:../${tarballFile}` },
    }),
  );
  await writeFile(join(app, 'package-lock.json'), await appLock(tarballFile));
  return run('npm', ['ci'], { cwd: app, env: ENV, timeout: 60_000 }).then(
    () => false as const,
    (e: Error & { stderr?: string }) => {
      // Offline only: a dependency missing from the npm cache skips rather than reaching the network.
      if (!/ENOTCACHED/.test(e.stderr ?? '')) throw e;
      const what = /request to (\S+)/.exec(e.stderr ?? '')?.[1] ?? 'a dependency';
      return `offline install impossible: ${what} is not in the npm cache (\`npm ci\` online fills it)`;
    },
  );
}

// `npm test` builds dist/ first (pretest); a lone run of this file builds it when it is stale.
if (distIsStale()) build();
const work = await mkdtemp(join(tmpdir(), 'sluice-pkg-'));
const app = join(work, 'app');
const skip = await installPackage().catch(async (e: unknown) => {
  await rm(work, { recursive: true, force: true });
  throw e;
});
if (skip) await rm(work, { recursive: true, force: true });

const SLUICE_BIN = join(app, 'node_modules/.bin/sluice');

function configYaml(backendUrl: string): string {
  return [
    'server:',
    '  frontend: { address: 127.0.0.1:0 }',
    '  admin: { address: 127.0.0.1:0 }',
    'upstream:',
    `  backends: [{ id: echo, url: "${backendUrl}" }]`,
    'pipeline:',
    '  - valve: size-limit',
    '    with: { maxBytes: 16, action: close }',
    '',
  ].join('\n');
}

/** Starts the installed `sluice` with ARGS in CWD; resolves with the child once `re` shows on stdout. */
async function startSluice(
  args: string[],
  re: RegExp,
  cwd = app,
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, [SLUICE_BIN, ...args], {
    cwd,
    env: { ...ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const match = await new Promise<RegExpMatchArray>((res, rej) => {
    const timer = setTimeout(
      () => rej(new Error(`sluice printed no ${re} in 15 s:\n${out}\n${err}`)),
      15_000,
    );
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(re);
      if (m) {
        clearTimeout(timer);
        res(m);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`sluice exited (${code}) before ${re}:\n${out}\n${err}`));
    });
  }).catch((e: Error) => {
    child.kill('SIGKILL');
    throw e;
  });
  return { child, match };
}

/** SIGTERM (a drain with no sessions left), then SIGKILL if it is still running after 10 s. */
async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

describe('the installed package (npm pack, installed from the tarball into a fresh project)', {
  skip,
}, () => {
  after(() => rm(work, { recursive: true, force: true }));

  test('npx sluice check validates a config, with the built-in valves and schema of the package', async () => {
    await writeFile(join(app, 'sluice.yaml'), configYaml('ws://127.0.0.1:9'));
    const ok = await run('npx', ['sluice', 'check', 'sluice.yaml'], { cwd: app, env: ENV, timeout: 15_000 });
    assert.match(ok.stdout, /sluice\.yaml: valid/);

    await writeFile(
      join(app, 'typo.yaml'),
      configYaml('ws://127.0.0.1:9').replace('size-limit', 'size-limt'),
    );
    const bad = await run('npx', ['sluice', 'check', 'typo.yaml'], {
      cwd: app,
      env: ENV,
      timeout: 15_000,
    }).then(
      () => assert.fail('a config naming an unknown valve is invalid'),
      (e: { code: number; stdout: string }) => e,
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /unknown built-in valve "size-limt".*size-limit/);
  });

  test('sluice run proxies through the built-in size-limit valve to a real echo backend', async (t) => {
    const backend = await startEchoBackend();
    t.after(() => backend.close());
    await writeFile(join(app, 'run.yaml'), configYaml(backend.url));
    const { child, match } = await startSluice(
      ['run', 'run.yaml'],
      /listening on ws:\/\/127\.0\.0\.1:(\d+)\//,
    );
    t.after(() => stop(child));

    const client = await connect(`ws://127.0.0.1:${match[1]}/`);
    await client.echo('hello');
    client.send('x'.repeat(17));
    const closed = await client.waitClose();
    assert.equal(closed.code, 1009, 'size-limit closes the session on a message over maxBytes');
    assert.equal(closed.reason, 'message larger than 16 bytes');
    assert.equal(await stop(child), 0);
  });

  test('sluice run with no config runs the packaged quickstart and its valve', async (t) => {
    const empty = join(app, 'empty'); // no ./sluice.yaml here
    await mkdir(empty);
    const { child, match } = await startSluice(['run'], /behind ws:\/\/127\.0\.0\.1:(\d+)\//, empty, {
      FE_ADDR: '127.0.0.1:0',
      ADM_ADDR: '127.0.0.1:0',
    });
    t.after(() => stop(child));
    const client = await connect(`ws://127.0.0.1:${match[1]}/`);
    t.after(() => client.close());
    client.send('/upper hi');
    await client.waitText('HI');
  });

  test("import { createSluice } from 'sluice' works from an .mjs file", async (t) => {
    const backend = await startEchoBackend({ prefix: 'echo:' });
    t.after(() => backend.close());
    await writeFile(
      join(app, 'embed.mjs'),
      `import { createSluice } from 'sluice';
const sluice = await createSluice({
  server: { frontend: { address: '127.0.0.1:0' }, admin: { address: '127.0.0.1:0' } },
  upstream: { backends: [{ url: process.argv[2] }] },
  pipeline: [{ valve: 'size-limit', with: { maxBytes: 16 } }],
});
const { frontend } = await sluice.start();
const ws = new WebSocket(\`ws://127.0.0.1:\${frontend.port}/\`);
ws.onopen = () => ws.send('hi');
ws.onmessage = async (e) => {
  console.log(e.data);
  ws.close();
  await sluice.stop();
};
`,
    );
    const r = await run(process.execPath, ['embed.mjs', backend.url], {
      cwd: app,
      env: ENV,
      timeout: 15_000,
    });
    assert.equal(r.stdout, 'echo:hi\n');
  });

  test('sluice new valve scaffolds a valve whose test passes with sluice test', async () => {
    await run('npx', ['sluice', 'new', 'valve', 'guard'], { cwd: app, env: ENV, timeout: 15_000 });
    const r = await run('npx', ['sluice', 'test', 'valves/guard.test.yaml'], {
      cwd: app,
      env: ENV,
      timeout: 15_000,
    });
    assert.match(r.stdout, /1 passed, 0 failed/);
  });

  test('TypeScript sees the types of the package, and the scaffolded valve its valve types', async () => {
    await writeFile(
      join(app, 'use.mts'),
      `import { createSluice, type Sluice } from 'sluice';
const sluice: Sluice = await createSluice({ upstream: { backends: [{ url: 'ws://127.0.0.1:9' }] } });
const port: number = (await sluice.start()).frontend.port;
// @ts-expect-error start() takes no config file name (an error only if the types are real)
await sluice.start('sluice.yaml');
export { port };
`,
    );
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2024',
          module: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          // valves/guard.js from the test above: its JSDoc imports 'sluice/valves/valve'
          allowJs: true,
          checkJs: true,
          types: ['node'],
          // @types/node as the app would install it (the repo's copy: no network)
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['use.mts', 'valves/guard.js'],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const r = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], {
      cwd: app,
      env: ENV,
      timeout: 30_000,
    }).catch((e: { stdout: string }) => assert.fail(`tsc failed:\n${e.stdout}`));
    assert.equal(r.stdout, '');
  });
});
