// The embedded quickstart (`npm start`, or `sluice run` with no config and no BE_URLS): two
// in-process echo backends and examples/quickstart/sluice.yaml in front of them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfigText } from './config/index.ts';
import type { LoadResult } from './config/model.ts';
import { startEchoBackend } from './testing/echo-backend.ts';

const QUICKSTART = fileURLToPath(new URL('../examples/quickstart/sluice.yaml', import.meta.url));

export interface Quickstart {
  loaded: LoadResult;
  /** What to print once the listeners are bound (their real ports). */
  banner(frontend: string, admin: string): string;
  stop(): Promise<void>;
}

/** Starts the echo backends and loads the quickstart config pointing at them. */
export async function startQuickstart(env: NodeJS.ProcessEnv): Promise<Quickstart> {
  const a = await startEchoBackend({ prefix: '' });
  const b = await startEchoBackend({ prefix: '' });
  const loaded = loadConfigText(readFileSync(QUICKSTART, 'utf8'), QUICKSTART, {
    ...env,
    ECHO_A_URL: a.url,
    ECHO_B_URL: b.url,
  });
  const banner = (fe: string, adm: string) =>
    [
      '',
      `Sluice quickstart: two echo backends (${a.url}, ${b.url}) behind ws://${fe}/`,
      `  try it:   npx node -e "const ws=new WebSocket('ws://${fe}/');ws.onopen=()=>ws.send('hello');ws.onmessage=(e)=>{console.log(e.data);ws.close()}"`,
      `  valves:   send "/upper hi" or "/count"; edit examples/quickstart/valves/commands.js and save`,
      `  admin:    curl http://${adm}/backend/list   (also /session/list, /pipeline, /metrics)`,
      `  config:   ${QUICKSTART}`,
      '  stop:     Ctrl-C',
      '',
    ].join('\n');
  return {
    loaded,
    banner,
    async stop() {
      await Promise.all([a.close(), b.close()]);
    },
  };
}
