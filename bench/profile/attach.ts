// Starts Sluice with the inspector open (NODE_OPTIONS=--inspect=127.0.0.1:0, which the valve host
// inherits) and connects to the proxy process and, when there are valves, the valve host.
import { join } from 'node:path';
import { type BenchContext, sluiceChoice } from '../context.ts';
import { startSluice } from '../targets/sluice.ts';
import type { Target } from '../targets/target.ts';
import { InspectorSession } from './inspector.ts';

export interface Inspected {
  target: Target;
  proxy: InspectorSession;
  host: InspectorSession | undefined;
  close(): Promise<void>;
}

/** Starts sluice-<valves>v in front of the shared echo backend, with inspector sessions attached. */
export async function startInspectedSluice(
  ctx: BenchContext,
  valves: 0 | 1 | 3,
  label: string,
): Promise<Inspected> {
  const urls: string[] = [];
  const target = await startSluice(join(ctx.tmp, `profile-${label}`), {
    valves,
    ...sluiceChoice(ctx),
    backends: [{ id: 'echo', url: ctx.echo.url }],
    env: { NODE_OPTIONS: '--inspect=127.0.0.1:0' },
    onStderr: (text) => {
      for (const m of text.matchAll(/Debugger listening on (ws:\/\/\S+)/g)) urls.push(m[1]);
    },
  });
  const sessions: InspectorSession[] = [];
  try {
    const want = valves > 0 ? 2 : 1;
    for (let i = 0; i < 100 && urls.length < want; i++) await new Promise((r) => setTimeout(r, 50));
    const proxyPid = target.proxyPids()[0];
    let proxy: InspectorSession | undefined;
    let host: InspectorSession | undefined;
    for (const url of urls) {
      const s = await InspectorSession.connect(url);
      sessions.push(s);
      if ((await s.pid()) === proxyPid) proxy = s;
      else host = s;
    }
    if (!proxy) throw new Error(`no inspector found for the Sluice process (saw ${urls.length} URLs)`);
    return {
      target,
      proxy,
      host,
      close: async () => {
        for (const s of sessions) s.close();
        await target.stop();
      },
    };
  } catch (err) {
    for (const s of sessions) s.close();
    await target.stop();
    throw err;
  }
}
