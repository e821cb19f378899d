// The valve host process: started by the supervisor with `--no-node-snapshot`, it is the only
// process that loads isolated-vm. Frames come in on fd 3 and go out on fd 4 (frames.ts); frames
// are handled one at a time, in order, so a batch sees every build and session change sent
// before it. When the proxy goes away (fd 3 closes) the host exits.
import { Socket } from 'node:net';
import {
  FRAME_BATCH,
  FRAME_CONTROL,
  FRAME_CONTROL_REPLY,
  FRAME_LOG,
  FRAME_PING,
  FRAME_PONG,
  FRAME_PROGRESS,
  FrameReader,
  emptyFrame,
  jsonFrame,
} from './frames.ts';
import { decodeBatch, type HostContext, runBatch } from './host-batch.ts';
import { HostVersion, type HostValveMeta } from './host-version.ts';
import { encodeResults } from './result-encoder.ts';

const input = new Socket({ fd: 3, readable: true, writable: false });
const output = new Socket({ fd: 4, readable: false, writable: true });
const PONG = emptyFrame(FRAME_PONG);
const PROGRESS = emptyFrame(FRAME_PROGRESS);
const PAUSE_EVERY_MS = 20;

const queue: [number, Buffer][] = [];
let busy = false;
let lastPause = 0;

const ctx: HostContext = {
  versions: new Map(),
  registry: new Map(),
  pause() {
    const now = Date.now();
    if (now - lastPause < PAUSE_EVERY_MS) return undefined;
    lastPause = now;
    output.write(PROGRESS);
    return new Promise<void>((resolve) => setImmediate(resolve));
  },
  log(level, msg, extra) {
    output.write(jsonFrame(FRAME_LOG, { level, msg, ...extra }));
  },
};

interface ControlRequest {
  id: number;
  op: 'hello' | 'compile' | 'configure' | 'dispose';
  version: number;
  valves?: HostValveMeta[];
  sources?: [string, string][];
  options?: string[];
}

function control(req: ControlRequest): Record<string, unknown> {
  if (req.op === 'hello') return { ok: true, pid: process.pid };
  if (req.op === 'compile') {
    const provided = req.sources !== undefined;
    const sources = new Map(req.sources ?? []);
    const { version, valves, errors } = HostVersion.compile(req.version, req.valves ?? [], sources);
    if (version !== undefined) ctx.versions.set(req.version, version);
    return { ok: version !== undefined, valves, errors, sources: provided ? undefined : [...sources] };
  }
  const version = ctx.versions.get(req.version);
  if (version === undefined)
    return { ok: false, errors: [{ message: `unknown pipeline version ${req.version}` }] };
  if (req.op === 'configure') {
    version.configure(req.options ?? []);
    return { ok: true };
  }
  ctx.versions.delete(req.version);
  for (const [h, v] of ctx.registry) if (v === version) ctx.registry.delete(h);
  version.dispose();
  return { ok: true };
}

async function pump(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
      const [type, body] = f;
      if (type === FRAME_CONTROL) {
        const req = JSON.parse(body.toString('utf8')) as ControlRequest;
        let reply: Record<string, unknown>;
        try {
          reply = control(req);
        } catch (e) {
          reply = { ok: false, errors: [{ message: (e as Error).message }] };
        }
        output.write(jsonFrame(FRAME_CONTROL_REPLY, { id: req.id, ...reply }));
      } else if (type === FRAME_BATCH) {
        const batch = decodeBatch(body);
        lastPause = Date.now();
        const results = await runBatch(ctx, batch);
        output.write(encodeResults(batch, results));
      }
    }
  } catch (e) {
    // a bug in the host itself: say so and exit, the supervisor restarts a clean host
    ctx.log('error', `valve host failed: ${(e as Error).stack ?? e}`);
    output.end(() => process.exit(70));
    return;
  }
  busy = false;
}

const reader = new FrameReader((type, body) => {
  if (type === FRAME_PING) {
    output.write(PONG);
    return;
  }
  queue.push([type, body]);
  void pump();
});

input.on('data', (chunk: Buffer) => reader.push(chunk));
input.on('end', () => process.exit(0));
input.on('error', () => process.exit(0));
output.on('error', () => process.exit(0));
