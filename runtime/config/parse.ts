// Text → plain value plus the line:col of every key and value. YAML 1.2 (yaml@2) reads both YAML
// and JSON files, so JSON problems get positions too.
import { extname } from 'node:path';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, Scalar } from 'yaml';
import type { ConfigProblem } from './model.ts';
import { childPointer, displayPath } from './pointer.ts';
import { fileProblem, type NodePosition, type Position } from './problems.ts';

export interface ParsedText {
  /** The document as plain data; undefined when it could not be read. */
  value: unknown;
  positions: Map<string, NodePosition>;
  problems: ConfigProblem[];
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/** Aliases expanded while building the value; more is treated as a billion-laughs attack. */
const MAX_ALIAS_COUNT = 100;
/** Sections whose numbers are ours to warn about; other tools' sections are left alone. */
const KNOWN_SECTIONS = new Set(['server', 'upstream', 'pipeline', 'record']);

/** Parses a config file's text; `file` picks the format by extension (.yaml, .yml, .json). */
export function parseConfigText(text: string, file: string): ParsedText {
  const positions = new Map<string, NodePosition>();
  const ext = extname(file).toLowerCase();
  if (!EXTENSIONS.has(ext)) {
    const what = ext === '' ? 'has no extension' : `has the unsupported extension "${ext}"`;
    return {
      value: undefined,
      positions,
      problems: [fileProblem(file, `${what}: use .yaml, .yml or .json`)],
    };
  }
  // A literal tab can only be whitespace in JSON (strings cannot hold raw tabs), but YAML refuses
  // tabs as indentation: swap them for spaces, which keeps every offset and column.
  const source = ext === '.json' ? text.replaceAll('\t', ' ') : text;
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const problems: ConfigProblem[] = [];
  for (const e of doc.errors) problems.push(fileProblem(file, yamlMessage(e.code, e.message), at(e.pos[0])));
  for (const w of doc.warnings) problems.push(fileProblem(file, w.message, at(w.pos[0]), 'warning'));
  if (doc.errors.length > 0) return { value: undefined, positions, problems };
  if (doc.contents === null) {
    problems.push(
      fileProblem(file, 'config is empty: add at least upstream.backends', { line: 1, column: 1 }),
    );
    return { value: undefined, positions, problems };
  }

  let firstAlias: Position | undefined;
  const walk = (node: unknown, pointer: string, key: Position | undefined): void => {
    if (!node || typeof node !== 'object') return;
    const range = (node as Node).range;
    if (range) positions.set(pointer, { key, value: at(range[0]) });
    if (isAlias(node)) {
      firstAlias ??= range ? at(range[0]) : undefined;
      return; // never expand aliases here: the walk stays linear in the file size
    }
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key;
        const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        if (name === '<<') continue; // merge key: merged values are located at their mapping
        const keyPos = isScalar(keyNode) && keyNode.range ? at(keyNode.range[0]) : undefined;
        const child = childPointer(pointer, name);
        if (pair.value === null && keyPos) positions.set(child, { key: keyPos, value: keyPos });
        walk(pair.value, child, keyPos);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        walk(item, childPointer(pointer, i), undefined);
      });
    } else if (isScalar(node) && range) {
      const written = source.slice(range[0], range[1]);
      const section = pointer.split('/')[1] ?? '';
      if (
        typeof node.value === 'number' &&
        node.type === Scalar.PLAIN &&
        /^[-+]?0[0-9]+$/.test(written) &&
        KNOWN_SECTIONS.has(section)
      ) {
        const octal = `0o${written.replace(/^[-+]?0+/, '')}`;
        problems.push({
          ...fileProblem(
            file,
            `${written} is read as the decimal number ${node.value} (YAML 1.2); write ${octal} for an octal number`,
            at(range[0]),
            'warning',
          ),
          path: displayPath(pointer),
        });
      }
    }
  };
  walk(doc.contents, '', undefined);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const message =
      e instanceof ReferenceError && /alias/i.test(e.message)
        ? `too many alias expansions (more than ${MAX_ALIAS_COUNT}): the file looks like a "billion laughs" attack; write the values out instead of nesting aliases`
        : `cannot read the document: ${(e as Error).message}`;
    problems.push(fileProblem(file, message, firstAlias ?? { line: 1, column: 1 }));
    return { value: undefined, positions, problems };
  }
  return { value, positions, problems };
}

/** yaml@2's message, with a hint for the mistakes people make most. */
function yamlMessage(code: string, message: string): string {
  switch (code) {
    case 'TAB_AS_INDENT':
      return `${message}: indent with spaces`;
    case 'DUPLICATE_KEY':
      return `${message}: this key is given twice in the same mapping; remove one`;
    case 'MISSING_CHAR':
      return `${message}: a quoted string or a bracket opened above is not closed`;
    case 'MULTIPLE_DOCS':
      return 'the file holds more than one YAML document (---): keep a single document';
    default:
      return message;
  }
}
