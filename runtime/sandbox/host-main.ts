// The valve host process: started by the supervisor with `--no-node-snapshot`, it is the only
// process that loads isolated-vm. Frames come in on fd 3 and go out on fd 4 (frames.ts); frames
// are handled one at a time, in order, so a batch sees every session change sent before it — except
// that a compile runs beside the frames after it (the proxy uses a version only once its compile
// has answered). When the proxy goes away (fd 3 closes) the host exits.
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

/** Versions being compiled (off the host's thread); a later request about one waits for it. */
const compiling = new Map<number, Promise<unknown>>();

async function compile(req: ControlRequest): Promise<Record<string, unknown>> {
  const provided = req.sources !== undefined;
  const sources = new Map(req.sources ?? []);
  const { version, valves, errors } = await HostVersion.compile(req.version, req.valves ?? [], sources);
  if (version !== undefined) ctx.versions.set(req.version, version);
  return { ok: version !== undefined, valves, errors, sources: provided ? undefined : [...sources] };
}

function control(req: ControlRequest): Record<string, unknown> {
  if (req.op === 'hello') return { ok: true, pid: process.pid };
  const version = ctx.versions.get(req.version);
  if (version === undefined)
    return { ok: false, errors: [{ message: `unknown pipeline version ${req.version}` }] };
  if (req.op === 'configure') {
    version.configure(req.options ?? []);
    return { ok: true };
  }
  ctx.versions.delete(req.version);
  for (const [h, v] of ctx.registry) if (v === version) ctx.registry.delete(h);
  // the isolates go once the frames already here are handled: disposing is not free
  setImmediate(() => version.dispose());
  return { ok: true };
}

function reply(id: number, run: () => Record<string, unknown>): void {
  let r: Record<string, unknown>;
  try {
    r = run();
  } catch (e) {
    r = { ok: false, errors: [{ message: (e as Error).message }] };
  }
  output.write(jsonFrame(FRAME_CONTROL_REPLY, { id, ...r }));
}

// A compile does not hold up the frames behind it: batches of running versions go on while the
// new version builds. Nothing refers to it before its reply: the proxy waits for that first.
function startCompile(req: ControlRequest): void {
  const done = compile(req).then(
    (r) => output.write(jsonFrame(FRAME_CONTROL_REPLY, { id: req.id, ...r })),
    (e: unknown) =>
      output.write(
        jsonFrame(FRAME_CONTROL_REPLY, {
          id: req.id,
          ok: false,
          errors: [{ message: (e as Error).message }],
        }),
      ),
  );
  compiling.set(req.version, done);
  void done.finally(() => compiling.delete(req.version));
}

async function pump(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
      const [type, body] = f;
      if (type === FRAME_CONTROL) {
        const req = JSON.parse(body.toString('utf8')) as ControlRequest;
        if (req.op === 'compile') {
          startCompile(req);
          continue;
        }
        const pending = compiling.get(req.version);
        if (pending !== undefined) await pending;
        reply(req.id, () => control(req));
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
