// A minimal client of Node's inspector protocol: enough to learn a process's pid and take a CPU
// profile with V8's sampling profiler (the one `node --cpu-prof` uses) for a chosen window.
import WebSocket from 'ws';

export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    hitCount?: number;
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** V8's sampling heap profile: a tree of allocation sites with the bytes still alive. */
export interface HeapSamplingProfile {
  head: HeapNode;
}

export interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

export class InspectorSession {
  private readonly ws: WebSocket;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      if (msg.id === undefined) return;
      const w = this.waiting.get(msg.id);
      this.waiting.delete(msg.id);
      if (msg.error) w?.reject(new Error(msg.error.message));
      else w?.resolve(msg.result);
    });
  }

  /** Connects to a `ws://127.0.0.1:port/uuid` inspector URL (as printed by `--inspect`). */
  static connect(url: string): Promise<InspectorSession> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30 });
      ws.once('open', () => resolve(new InspectorSession(ws)));
      ws.once('error', reject);
    });
  }

  /** Sends one protocol command; rejects after `timeoutMs`. */
  call(method: string, params: object = {}, timeoutMs = 30_000): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`inspector ${method} timed out`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Evaluates `expression` in the inspected process and returns its (JSON-able) value. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.call('Runtime.evaluate', { expression, returnByValue: true })) as {
      result: { value: T };
    };
    return r.result.value;
  }

  /** The inspected process's pid. */
  pid(): Promise<number> {
    return this.evaluate<number>('process.pid');
  }

  /** Starts V8's sampling heap profiler (one sample per `intervalBytes` allocated, on average). */
  async startHeapSampling(intervalBytes = 8192): Promise<void> {
    await this.call('HeapProfiler.enable');
    await this.call('HeapProfiler.startSampling', { samplingInterval: intervalBytes });
  }

  /** Runs a full GC, stops sampling, and returns the allocation sites of what is still alive. */
  async stopHeapSampling(): Promise<HeapSamplingProfile> {
    await this.call('HeapProfiler.collectGarbage', {}, 60_000);
    const r = (await this.call('HeapProfiler.stopSampling', {}, 60_000)) as { profile: HeapSamplingProfile };
    return r.profile;
  }

  /** Starts V8's sampling profiler (`intervalUs` between samples). */
  async startProfile(intervalUs = 500): Promise<void> {
    await this.call('Profiler.enable');
    await this.call('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.call('Profiler.start');
  }

  /** Stops the profiler and returns the profile (.cpuprofile format). */
  async stopProfile(): Promise<CpuProfile> {
    const r = (await this.call('Profiler.stop', {}, 60_000)) as { profile: CpuProfile };
    return r.profile;
  }

  close(): void {
    this.ws.terminate();
  }
}
