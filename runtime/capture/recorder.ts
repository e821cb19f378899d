// Session captures (CONTRACT.md §4): one JSONL file per recorded session, a line per message as it
// left Sluice — after the valves, so what they redacted stays redacted:
//   {"t": <ms since the recording started>, "from": "client"|"backend", "type": "text"|"binary", "data": …}
// `from: client` lines went to the backend, `from: backend` lines to the client (valve injections
// included). A file stops growing at `max-bytes`: the line that would pass it ends the recording.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { RecordConfig } from '../config/model.ts';
import type { Logger } from '../log.ts';
import type { SessionInfo, WireMessage } from '../pipeline/types.ts';
import { globToRegExp } from '../pipeline/when.ts';

export type CaptureSource = 'client' | 'backend';

/** Writes one session's capture file. */
export class SessionRecorder {
  readonly file: string;
  private stream: WriteStream | undefined;
  private readonly maxBytes: number;
  private readonly started = performance.now();
  private readonly logger: Logger;
  private bytes = 0;

  constructor(file: string, maxBytes: number, logger: Logger) {
    this.file = file;
    this.maxBytes = maxBytes;
    this.logger = logger;
    // 'wx': never overwrite an earlier capture
    const stream = createWriteStream(file, { flags: 'wx' });
    stream.on('error', (err) => {
      this.logger.warn({ file, err: err.message }, 'capture stopped: the file cannot be written');
      this.stream = undefined;
    });
    this.stream = stream;
  }

  /** True while lines are still written (not closed, not full, no write error). */
  get active(): boolean {
    return this.stream !== undefined;
  }

  /** Appends one message that went out (`from` the side it came from). */
  write(from: CaptureSource, msg: WireMessage): void {
    const stream = this.stream;
    if (stream === undefined) return;
    const t = Math.floor(performance.now() - this.started);
    const line = msg.binary
      ? `{"t":${t},"from":"${from}","type":"binary","data":"${msg.data.toString('base64')}"}\n`
      : `{"t":${t},"from":"${from}","type":"text","data":${JSON.stringify(msg.data.toString('utf8'))}}\n`;
    const size = Buffer.byteLength(line);
    if (this.bytes + size > this.maxBytes) {
      this.logger.info(
        { file: this.file, bytes: this.bytes },
        'capture reached record.max-bytes; recording stopped',
      );
      this.close();
      return;
    }
    this.bytes += size;
    stream.write(line);
  }

  /** Ends the file (the session closed, or the cap was reached). */
  close(): void {
    const stream = this.stream;
    this.stream = undefined;
    stream?.end();
  }
}

/** The `record:` settings of a running Sluice: which sessions get a recorder, and where it writes. */
export class Recording {
  private config: RecordConfig;
  private pathMatch: RegExp | undefined;
  private readonly logger: Logger;
  private madeDir: string | undefined;

  constructor(config: RecordConfig, logger: Logger) {
    this.config = config;
    this.pathMatch = config.path === undefined ? undefined : globToRegExp(config.path);
    this.logger = logger;
  }

  /** New settings (hot reload); sessions already recording keep their file. */
  configure(config: RecordConfig): void {
    this.config = config;
    this.pathMatch = config.path === undefined ? undefined : globToRegExp(config.path);
  }

  /** A recorder for a new session whose path matches `record.path`, else undefined. */
  forSession(info: SessionInfo): SessionRecorder | undefined {
    if (this.pathMatch === undefined || !this.pathMatch.test(info.path)) return undefined;
    return this.start(info.id);
  }

  /** Starts recording the session `id` (POST /session/record/{id}); undefined when the folder is unusable. */
  start(id: string): SessionRecorder | undefined {
    const { dir, maxBytes } = this.config;
    if (this.madeDir !== dir) {
      try {
        mkdirSync(dir, { recursive: true });
        this.madeDir = dir;
      } catch (err) {
        this.logger.warn(
          { dir, err: (err as Error).message },
          'cannot create record.dir; session not recorded',
        );
        return undefined;
      }
    }
    const file = join(dir, `${id.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`);
    this.logger.info({ session: id, file }, 'recording session');
    return new SessionRecorder(file, maxBytes, this.logger);
  }
}
