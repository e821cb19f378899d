// Watches the config file and every valve file, and reports which of them really changed.
// chokidar alone misses saves (FAULTS.md §4: it throttles `change` per path with no trailing
// event, and can show a half-written file), so: watch the *directories*, treat any event there as
// "look again", wait for writes to settle, compare content hashes, and rescan every few seconds
// as a safety net (network file systems, bind mounts, Kubernetes `..data` symlink swaps).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';

// Editor and temp artefacts: vim .swp/.swx and ~ backups, its 4913 probe, emacs .#lock, *.tmp.
const IGNORED = /(^|[/\\])(\..*\.sw[px]|.*~|4913|\.#.*|.*\.tmp|.*\.crdownload)$/;

export interface FileWatcherOptions {
  /** Settle time after the last event before files are read again. */
  debounceMs?: number;
  /** Safety-net rescan period; 0 turns it off. */
  rescanMs?: number;
  /** Called with the tracked files whose content changed (or that appeared or vanished). */
  onChange(changed: string[]): void;
}

/** A hash per tracked file; `missing` when it cannot be read. */
type Seen = Map<string, string>;

export class FileWatcher {
  private readonly options: Required<FileWatcherOptions>;
  private watcher: FSWatcher | undefined;
  private files = new Set<string>();
  private seen: Seen = new Map();
  private timer: NodeJS.Timeout | undefined;
  private rescan: NodeJS.Timeout | undefined;
  private checking = false;
  private again = false;
  private closed = false;

  constructor(options: FileWatcherOptions) {
    this.options = { debounceMs: 75, rescanMs: 3000, ...options };
  }

  /**
   * Tracks exactly `files` from now on (absolute paths). A file tracked before keeps the content
   * last checked as its baseline, so a save made while a reload ran is still seen; a new file's
   * baseline is its current content.
   */
  async track(files: string[]): Promise<void> {
    this.files = new Set(files);
    const seen: Seen = new Map();
    for (const f of this.files) seen.set(f, this.seen.get(f) ?? (await hashOf(f)));
    // close() may have run while hashing (a reload finishing during shutdown): watch nothing again
    if (this.closed) return;
    this.seen = seen;
    const dirs = [...new Set(files.map((f) => dirname(f)))];
    if (!this.watcher) {
      this.watcher = watch(dirs, {
        ignoreInitial: true,
        atomic: true,
        depth: 0,
        awaitWriteFinish: { stabilityThreshold: 150, pollInterval: 25 },
        ignored: (p: string) => IGNORED.test(p),
      });
      this.watcher.on('all', () => this.poke());
      this.watcher.on('error', () => this.poke());
      // chokidar sees no event before it is ready: look again then for saves made meanwhile
      this.watcher.once('ready', () => this.poke());
      if (this.options.rescanMs > 0) {
        this.rescan = setInterval(() => this.poke(), this.options.rescanMs);
        this.rescan.unref();
      }
    } else {
      const watched = new Set(Object.keys(this.watcher.getWatched()));
      const add = dirs.filter((d) => !watched.has(d));
      if (add.length > 0) this.watcher.add(add);
    }
  }

  /** Something may have changed: look again once things settle. */
  poke(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.check();
    }, this.options.debounceMs);
  }

  private async check(): Promise<void> {
    if (this.checking) {
      this.again = true;
      return;
    }
    this.checking = true;
    try {
      const changed: string[] = [];
      for (const f of this.files) {
        const hash = await hashOf(f);
        if (this.seen.get(f) !== hash) {
          this.seen.set(f, hash);
          changed.push(f);
        }
      }
      if (changed.length > 0 && !this.closed) this.options.onChange(changed);
    } finally {
      this.checking = false;
      if (this.again) {
        this.again = false;
        this.poke();
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.rescan) clearInterval(this.rescan);
    await this.watcher?.close();
    this.watcher = undefined;
  }
}

/** sha256 of a file's content, or `missing:<code>` when it cannot be read. */
export async function hashOf(file: string): Promise<string> {
  try {
    return createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  } catch (err) {
    return `missing:${(err as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}
