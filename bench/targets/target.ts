// What a scenario needs from a target: where clients connect, which processes are "the proxy"
// (for CPU and RSS), and how to stop it.

export type TargetKind = 'direct' | 'nginx' | 'haproxy' | 'sluice';

export interface Target {
  /** Short name used in tables: direct, nginx, haproxy, sluice-0v, sluice-1v, sluice-3v. */
  name: string;
  kind: TargetKind;
  /** Number of bench valves in the pipeline (sluice only). */
  valves: number;
  /** Where the load generator connects. */
  url: string;
  /** The proxy's processes (nginx: master and workers); [] for direct. */
  proxyPids(): number[];
  /** The valve host process(es) (sluice with valves); [] otherwise. */
  hostPids(): number[];
  /** Sluice's admin base URL (http://127.0.0.1:port). */
  admin?: string;
  stop(): Promise<void>;
}

/** The direct connection to the echo backend: the limit every proxy is compared with. */
export function directTarget(echoUrl: string): Target {
  return {
    name: 'direct',
    kind: 'direct',
    valves: 0,
    url: echoUrl,
    proxyPids: () => [],
    hostPids: () => [],
    stop: async () => {},
  };
}
