// Building a pipeline version: compile every valve in the host (fresh isolates), check the
// exports (at least one hook, hooks are functions, misspelt names), validate each entry's `with:`
// against the valve's `options` schema, then install the options. Any error rejects the whole
// version, and every error names the valve file, line and column.
import type { PipelineEntryConfig } from '../config/model.ts';
import { PipelineVersion } from '../pipeline/version.ts';
import { HOOK_NAMES, POLICIES } from './batch-format.ts';
import { didYouMean } from './did-you-mean.ts';
import type { CompiledValve, HostLoadError, HostValveMeta } from './host-version.ts';
import { applyOptionsSchema } from './options-schema.ts';
import type { BuildResult, ValveLoadError, ValveLoadWarning } from './types.ts';
import type { ValveHost } from './valve-host.ts';
import { VersionRecord } from './version-record.ts';

export interface ControlReply {
  ok: boolean;
  errors?: (Partial<HostLoadError> & { message: string })[];
  valves?: CompiledValve[];
  sources?: [string, string][];
  pid?: number;
}

const EXPORTS = ['options', ...HOOK_NAMES];

function positionIn(text: string | undefined, name: string): { line: number; column: number } {
  if (text === undefined) return { line: 1, column: 1 };
  const id = name.replace(/[$]/g, '\\$');
  const decl = new RegExp(`export\\s+(?:async\\s+)?(?:function\\*?|const|let|var|class)\\s+(${id})\\b`).exec(
    text,
  );
  const m = decl ?? new RegExp(`\\b${id}\\b`).exec(text);
  if (!m) return { line: 1, column: 1 };
  const index = decl ? m.index + m[0].length - name.length : m.index;
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

/** The host-side settings of each entry; `key` matches a valve across versions for ctx.state. */
export function metasOf(entries: readonly PipelineEntryConfig[]): HostValveMeta[] {
  const seen = new Map<string, number>();
  return entries.map((e) => {
    const n = (seen.get(e.valve) ?? 0) + 1;
    seen.set(e.valve, n);
    return {
      name: e.valve,
      file: e.file,
      key: `${e.valve}#${n}`,
      timeout: e.timeoutMs,
      onError: POLICIES.indexOf(e.onError),
      isolate: e.isolate,
      memoryMb: e.memoryMb,
    };
  });
}

/** Builds version `id` of `entries` in `host`. */
export async function buildVersion(
  host: ValveHost,
  id: number,
  entries: PipelineEntryConfig[],
): Promise<BuildResult> {
  const metas = metasOf(entries);
  const warnings: ValveLoadWarning[] = [];
  let reply: ControlReply;
  try {
    reply = await host.control({ op: 'compile', version: id, valves: metas });
  } catch (e) {
    const message = `the valve host stopped while loading this pipeline (${(e as Error).message}); a valve's top level may have exhausted memory`;
    return {
      ok: false,
      errors: entries.map((en) => ({ valve: en.valve, file: en.file, line: 1, column: 1, message })),
      warnings,
    };
  }
  if (!reply.ok) {
    const errors = (reply.errors ?? []).map((e) => {
      const en = entries[e.valve ?? 0];
      return {
        valve: en?.valve ?? '',
        file: e.file ?? en?.file ?? '',
        line: e.line ?? 1,
        column: e.column ?? 1,
        message: e.message,
      };
    });
    return { ok: false, errors, warnings };
  }
  const sources = new Map(reply.sources ?? []);
  const valves = reply.valves ?? [];
  const errors: ValveLoadError[] = [];
  const options: string[] = [];
  entries.forEach((en, i) => {
    const v = valves[i];
    const text = sources.get(en.file);
    const at = (name: string) => ({ valve: en.valve, file: en.file, ...positionIn(text, name) });
    for (const name of v.unknown) {
      const hint = didYouMean(name, EXPORTS);
      const message =
        name === 'default'
          ? 'the default export is ignored: export hooks by name (export function fromClient(msg, ctx) {…})'
          : `unknown export '${name}' is ignored${hint ? ` (did you mean '${hint}'?)` : ''}`;
      warnings.push({ ...at(name === 'default' ? 'default' : name), message });
    }
    for (const name of v.bad)
      errors.push({ ...at(name), message: `'${name}' is exported but is not a function` });
    if (v.hooks.length === 0 && v.bad.length === 0) {
      const near = v.unknown.map((u) => didYouMean(u, HOOK_NAMES)).find((h) => h !== undefined);
      errors.push({
        valve: en.valve,
        file: en.file,
        line: 1,
        column: 1,
        message: `the valve exports no hook: export at least one of ${HOOK_NAMES.join(', ')}${near ? ` (did you mean '${near}'?)` : ''}`,
      });
    }
    if (v.optionsError !== undefined)
      errors.push({ ...at('options'), message: `options: ${v.optionsError}` });
    const r = applyOptionsSchema(v.options, en.with);
    if (r.ok) options.push(JSON.stringify(r.options));
    else {
      options.push('{}');
      for (const m of r.messages)
        errors.push({ ...at('options'), message: `invalid \`with:\` for ${en.valve}: ${m}` });
    }
  });
  if (errors.length > 0) {
    await host.control({ op: 'dispose', version: id }).catch(() => {});
    return { ok: false, errors, warnings };
  }
  try {
    await host.control({ op: 'configure', version: id, options });
  } catch (e) {
    const message = `the valve host stopped while configuring this pipeline (${(e as Error).message})`;
    return {
      ok: false,
      errors: entries.map((en) => ({ valve: en.valve, file: en.file, line: 1, column: 1, message })),
      warnings,
    };
  }
  const version = new PipelineVersion(host, id, entries);
  version.valveHooks = valves.map((v) => v.hooks);
  const rec = new VersionRecord(
    version,
    metas,
    [...sources],
    options,
    valves.map((v) => v.sha256),
    valves.map((v) => v.hooks),
  );
  host.versions.set(id, rec);
  for (const w of warnings)
    host.logger.warn({ valve: w.valve, at: `${w.file}:${w.line}:${w.column}` }, w.message);
  return { ok: true, version, warnings };
}
