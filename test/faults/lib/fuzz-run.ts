// The fuzzer's probes (scripts/fuzz.ts): each sends one generated input to a running Sluice (or to
// the config loader) and returns a Finding when the answer breaks a promise: no answer within a
// bound (a hang), a 5xx or malformed JSON from the admin API, a crash of the loader or the CLI.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { loadConfigText } from '../../../runtime/config/index.ts';
import { CLI_PATH } from '../../helpers/process-sluice.ts';
import { encodeFrame, handshakeHead, mutateBytes, plausibleFrames, randomFrames } from './fuzz-frames.ts';
import { type AdminFuzzRequest, adminRequest, mutateConfig } from './fuzz-requests.ts';
import type { Rng } from './rng.ts';

export interface Finding {
  kind: string;
  detail: string;
  /** The input that caused it (bytes are saved base64). */
  input: Buffer | string | AdminFuzzRequest;
}

/** Probes return a Finding, 'skip' (the world was not in a state to test), or undefined (fine). */
export type ProbeResult = Finding | 'skip' | undefined;

const ANSWER_MS = 5000;

function key(rng: Rng): string {
  return rng.bytes(16).toString('base64');
}

/** Opens a raw TCP connection; resolves once connected. */
function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with what the peer sent until it closed or `ms` passed, and whether it closed. */
function collect(
  s: Socket,
  ms: number,
  until: (got: Buffer) => boolean,
): Promise<{ got: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const done = (closed: boolean) => {
      clearTimeout(timer);
      s.off('data', onData);
      resolve({ got, closed });
    };
    const onData = (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (until(got)) done(false);
    };
    const timer = setTimeout(() => done(false), ms);
    s.on('data', onData);
    s.once('close', () => done(true));
    s.on('error', () => {});
  });
}

/** A valid upgrade, then generated frames in random chunks. */
export async function probeFrames(url: string, rng: Rng): Promise<ProbeResult> {
  const mode = rng.int(3);
  const specs = mode === 0 ? randomFrames(rng) : plausibleFrames(rng);
  let bytes: Buffer = Buffer.concat(specs.map((f) => encodeFrame(rng, f)));
  if (mode === 2) bytes = mutateBytes(rng, bytes);
  const s = await open(url);
  try {
    const { host } = new URL(url);
    s.write(
      `GET /fuzz HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key(rng)}\r\n\r\n`,
    );
    const head = await collect(s, ANSWER_MS, (g) => g.includes('\r\n\r\n'));
    if (!head.got.includes('\r\n\r\n')) {
      return head.closed
        ? 'skip'
        : { kind: 'hang', detail: 'a valid upgrade got no answer within 5 s', input: bytes };
    }
    if (!head.got.subarray(0, 12).toString().includes(' 101')) return 'skip';
    for (let at = 0; at < bytes.length; ) {
      const n = rng.chance(0.5) ? bytes.length - at : rng.range(1, 4096);
      s.write(bytes.subarray(at, at + n));
      at += n;
    }
    await collect(s, rng.range(20, 200), () => false);
    return undefined;
  } finally {
    s.destroy();
  }
}

/** A generated (often broken) upgrade request head: answered, or cut off, within a bound. */
export async function probeHandshake(url: string, rng: Rng, readTimeoutMs: number): Promise<ProbeResult> {
  const { host } = new URL(url);
  const { head, complete } = handshakeHead(rng, host, key(rng));
  const s = await open(url);
  try {
    for (let at = 0; at < head.length; ) {
      const n = rng.chance(0.7) ? head.length - at : rng.range(1, 512);
      s.write(head.subarray(at, at + n));
      at += n;
    }
    const bound = complete ? ANSWER_MS : readTimeoutMs + 4000;
    const r = await collect(s, bound, (g) => g.includes('\r\n\r\n'));
    if (r.closed || r.got.includes('\r\n\r\n')) return undefined;
    return {
      kind: 'hang',
      detail: complete
        ? 'a complete request head got no answer within 5 s'
        : `an incomplete head was not cut off within ${bound} ms`,
      input: head,
    };
  } finally {
    s.destroy();
  }
}

/** One admin request: answered within 5 s, never 5xx, JSON well-formed. */
export function probeAdmin(base: string, rng: Rng, ids: string[]): Promise<ProbeResult> {
  const req = adminRequest(rng, ids);
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const r = request(
      {
        host: hostname,
        port,
        method: req.method,
        path: req.path,
        headers: { ...req.headers, connection: 'close' },
        timeout: ANSWER_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('error', () => resolve(undefined));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString();
          if (status >= 500)
            return resolve({
              kind: 'admin-5xx',
              detail: `${req.method} ${req.path} → ${status}: ${text.slice(0, 300)}`,
              input: req,
            });
          const json = /json/.test(String(res.headers['content-type'])) && req.method !== 'HEAD';
          if (json) {
            try {
              JSON.parse(text);
            } catch {
              return resolve({
                kind: 'admin-bad-json',
                detail: `${req.method} ${req.path} → ${status}: ${text.slice(0, 300)}`,
                input: req,
              });
            }
          }
          resolve(undefined);
        });
      },
    );
    r.on('timeout', () => {
      r.destroy();
      resolve({ kind: 'hang', detail: `${req.method} ${req.path} got no answer within 5 s`, input: req });
    });
    // a request the server cut off (413 then close, bad request) is an answer, not a failure
    r.on('error', () => resolve(undefined));
    r.end(req.body);
  });
}

/** A mutated config through the in-process loader: it must return problems, never throw or hang. */
export function probeConfigLoad(rng: Rng, text: string, file: string): ProbeResult {
  const mutated = mutateConfig(rng, text);
  const t0 = performance.now();
  try {
    loadConfigText(mutated, file, {});
  } catch (err) {
    return {
      kind: 'config-crash',
      detail: `loadConfigText threw: ${(err as Error).stack ?? err}`,
      input: mutated,
    };
  }
  const ms = performance.now() - t0;
  return ms > 2000
    ? { kind: 'hang', detail: `loadConfigText took ${ms.toFixed(0)} ms`, input: mutated }
    : undefined;
}

/** A mutated config through `sluice check`: exit 0 or 1 with problems, no stack trace, no hang. */
export function probeConfigCheck(rng: Rng, text: string, file: string): Promise<ProbeResult> {
  const mutated = mutateConfig(rng, text);
  writeFileSync(file, mutated);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_PATH, 'check', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal) resolve({ kind: 'hang', detail: 'sluice check did not finish in 15 s', input: mutated });
      else if (code !== 0 && code !== 1) {
        resolve({
          kind: 'check-exit',
          detail: `sluice check exited ${code}: ${out.slice(0, 500)}`,
          input: mutated,
        });
      } else if (/^\s+at .+[:(]\d+:\d+\)?$/m.test(out)) {
        resolve({ kind: 'check-crash', detail: `a stack trace:\n${out.slice(0, 1500)}`, input: mutated });
      } else resolve(undefined);
    });
  });
}

/** The mutated config text a reload probe should write (the caller restores the original). */
export function configMutation(rng: Rng, text: string): string {
  return mutateConfig(rng, text);
}
