// Starts a real Sluice (frontend + admin listeners on 127.0.0.1, port 0) for integration tests.
import { type LoadResult, loadConfigObject, loadConfigText } from '../../runtime/config/index.ts';
import { Sluice, type SluiceOptions } from '../../runtime/sluice.ts';

export interface RunningSluice {
  sluice: Sluice;
  /** ws://127.0.0.1:PORT */
  url: string;
  /** http://127.0.0.1:PORT */
  admin: string;
  stop(): Promise<void>;
}

/** Loads `raw` (the shape of a config file) and starts Sluice; throws with every config problem. */
export async function startSluice(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv = {},
  options: SluiceOptions = {},
): Promise<RunningSluice> {
  const server = (raw.server ?? {}) as Record<string, unknown>;
  const withListeners = {
    ...raw,
    server: {
      frontend: { address: '127.0.0.1:0' },
      ...server,
      admin: { address: '127.0.0.1:0', ...((server.admin as object) ?? {}) },
    },
  };
  return startLoaded(loadConfigObject(withListeners, process.cwd(), env), options);
}

/**
 * Loads config file text (`file` names it and picks YAML or JSON) and starts Sluice. The text
 * must set server.frontend.address and server.admin.address (127.0.0.1:0 in tests).
 */
export function startSluiceText(
  text: string,
  file = 'sluice.yaml',
  env: NodeJS.ProcessEnv = {},
  options: SluiceOptions = {},
): Promise<RunningSluice> {
  return startLoaded(loadConfigText(text, file, env), options);
}

async function startLoaded(loaded: LoadResult, options: SluiceOptions): Promise<RunningSluice> {
  if (!loaded.config) {
    throw new Error(`bad test config:\n${loaded.problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`);
  }
  const sluice = new Sluice(loaded.config, options);
  const addr = await sluice.start();
  return {
    sluice,
    url: `ws://127.0.0.1:${addr.frontend.port}`,
    admin: `http://127.0.0.1:${addr.admin.port}`,
    stop: () => sluice.stop(),
  };
}
