// Walks the config schema: every key path with its resolved schema node (for schema and docs tests).
import { configSchema as schema } from '../../../runtime/config/index.ts';

export interface SchemaNodeLike {
  $ref?: string;
  type?: string | string[];
  default?: unknown;
  description?: string;
  deprecated?: boolean;
  properties?: Record<string, SchemaNodeLike>;
  items?: SchemaNodeLike;
  required?: string[];
}

export const configSchema = schema as SchemaNodeLike & { $defs: Record<string, SchemaNodeLike> };

export interface SchemaKey {
  path: string;
  node: SchemaNodeLike;
  /** The property schema as written (may hold $ref plus default/description). */
  declared: SchemaNodeLike;
}

function resolveRef(node: SchemaNodeLike): SchemaNodeLike {
  let current = node;
  while (typeof current.$ref === 'string') {
    let target: unknown = configSchema;
    for (const s of current.$ref.replace(/^#\//, '').split('/'))
      target = (target as Record<string, unknown>)[s];
    current = target as SchemaNodeLike;
  }
  return current;
}

/** Every key under server, upstream and pipeline, as `server.frontend.address`, `upstream.backends[].url`. */
export function schemaKeys(): SchemaKey[] {
  const out: SchemaKey[] = [];
  const walk = (declared: SchemaNodeLike, path: string) => {
    const node = resolveRef(declared);
    out.push({ path, node, declared });
    if (node.properties) {
      for (const [key, child] of Object.entries(node.properties)) walk(child, path ? `${path}.${key}` : key);
    }
    if (node.items) {
      const items = resolveRef(node.items);
      if (items.properties)
        for (const [key, child] of Object.entries(items.properties)) walk(child, `${path}[].${key}`);
    }
  };
  for (const section of ['server', 'upstream', 'pipeline']) walk(configSchema.properties![section], section);
  return out;
}
