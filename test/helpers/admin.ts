// Calls to a running Sluice's admin API over real HTTP (fetch), typed with the bus's JSON shapes.
import type { BackendConfigJson, BackendListEntry, SessionListEntry } from '../../runtime/control/bus.ts';

export interface AdminReply<T = unknown> {
  status: number;
  headers: Headers;
  /** The parsed JSON body (undefined when the body is not JSON). */
  json: T;
  text: string;
}

/** The admin API of one Sluice, at `base` (http://127.0.0.1:PORT). */
export class AdminClient {
  readonly base: string;

  constructor(base: string) {
    this.base = base;
  }

  /** Any request; `body` objects are sent as application/json, strings as they are (also JSON-typed). */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<AdminReply<T>> {
    const init: RequestInit = { method, signal: AbortSignal.timeout(5000) };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    const res = await fetch(this.base + path, init);
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json: json as T, text };
  }

  get<T = unknown>(path: string): Promise<AdminReply<T>> {
    return this.call<T>('GET', path);
  }

  post<T = unknown>(path: string, body?: unknown): Promise<AdminReply<T>> {
    return this.call<T>('POST', path, body);
  }

  async backends(): Promise<BackendListEntry[]> {
    return (await this.ok<BackendListEntry[]>('/backend/list')).json;
  }

  async backend(id: string): Promise<BackendListEntry> {
    const entry = (await this.backends()).find((b) => b.id === id);
    if (!entry) throw new Error(`backend ${id} is not in /backend/list`);
    return entry;
  }

  async sessions(): Promise<SessionListEntry[]> {
    return (await this.ok<SessionListEntry[]>('/session/list')).json;
  }

  async config(id: string): Promise<BackendConfigJson> {
    return (await this.ok<BackendConfigJson>(`/backend/config/${encodeURIComponent(id)}`)).json;
  }

  async frontendId(): Promise<string> {
    return (await this.ok<{ id: string }[]>('/frontend/list')).json[0].id;
  }

  /** POSTs an action and resolves with `{status, result, reason}` for compact assertions. */
  async action(path: string, body?: unknown): Promise<{ status: number; result?: string; reason?: string }> {
    const r = await this.post<{ result?: string; reason?: string }>(path, body);
    return { status: r.status, result: r.json?.result, reason: r.json?.reason };
  }

  private async ok<T>(path: string): Promise<AdminReply<T>> {
    const r = await this.get<T>(path);
    if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}: ${r.text}`);
    return r;
  }
}

/** `{"result":"success"}` as action() reports it. */
export const SUCCESS = { status: 200, result: 'success', reason: undefined };
/** `{"result":"success","reason":"NoActionRequired"}` as action() reports it. */
export const NO_ACTION = { status: 200, result: 'success', reason: 'NoActionRequired' };
/** `404 {"result":"failed","reason":"NotFound"}` as action() reports it. */
export const NOT_FOUND = { status: 404, result: 'failed', reason: 'NotFound' };
