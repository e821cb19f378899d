// `sluice replay <capture.jsonl> [-c config]`: what the config's pipeline does with a recorded
// session. Exit 0, or 1 on a valve error (or a capture, config or valve that does not load).
import { existsSync } from 'node:fs';
import { readCapture } from '../capture/capture-file.ts';
import { replayCapture } from '../capture/replay.ts';
import { formatProblem } from '../config/problems.ts';
import { formatLoadProblem, PipelineLoadError } from '../testing/harness.ts';
import { loadPipelineFromConfig } from '../testing/load-pipeline.ts';

export async function runReplay(capture: string, opts: { config?: string; path?: string }): Promise<number> {
  const err = (line: string) => process.stderr.write(`${line}\n`);
  const config = opts.config ?? 'sluice.yaml';
  if (opts.config === undefined && !existsSync(config)) {
    err('sluice replay: no ./sluice.yaml here: give the config whose pipeline to replay with -c <file>');
    return 1;
  }
  const read = await readCapture(capture);
  if (!read.ok) {
    for (const p of read.problems) err(formatProblem(p));
    err(`sluice replay: ${capture} is not a valid capture (above); nothing was replayed`);
    return 1;
  }
  const loaded = await loadPipelineFromConfig(config, process.env);
  if (!loaded.ok) {
    for (const p of loaded.problems) err(formatProblem(p));
    err('sluice replay: the config has errors (above); nothing was replayed');
    return 1;
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`replaying ${capture} (${read.lines.length} messages) through the pipeline of ${config}`);
  try {
    const sum = await replayCapture(read.lines, loaded.entries, {
      write: out,
      backend: loaded.backend,
      session: opts.path === undefined ? undefined : { path: opts.path },
    });
    out(
      `replayed ${sum.messages} messages: ${sum.toBackend} reached the backend, ${sum.toClient} the client, ` +
        `${sum.dropped} dropped, ${sum.valveErrors} valve error${sum.valveErrors === 1 ? '' : 's'}`,
    );
    return sum.valveErrors > 0 ? 1 : 0;
  } catch (e) {
    if (!(e instanceof PipelineLoadError)) throw e;
    for (const p of e.problems) err(formatLoadProblem(p));
    err('sluice replay: a valve failed to load (above); nothing was replayed');
    return 1;
  }
}
