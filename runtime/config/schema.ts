// The config JSON Schema (schemas/config.schema.json): the one source of keys, types and defaults.
import schemaJson from '../../schemas/config.schema.json' with { type: 'json' };

/** A JSON Schema node, read structurally. */
export interface SchemaNode {
  $ref?: string;
  title?: string;
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  enum?: unknown[];
  default?: unknown;
  deprecated?: boolean;
  description?: string;
  [keyword: string]: unknown;
}

/** The parsed config JSON Schema (draft 2020-12), as `sluice schema` prints it. */
export const configSchema: SchemaNode & { $id: string; $defs: Record<string, SchemaNode> } = schemaJson;

export const CONFIG_SCHEMA_ID = configSchema.$id;

/** Follows `$ref` (local `#/…` pointers only) until a schema without one. */
export function resolveSchema(node: SchemaNode): SchemaNode {
  let current = node;
  for (let hops = 0; current.$ref !== undefined && hops < 16; hops++) {
    let target: unknown = configSchema;
    for (const segment of current.$ref.replace(/^#\//, '').split('/')) {
      target = (target as Record<string, unknown>)[segment];
    }
    current = target as SchemaNode;
  }
  return current;
}

/** The schema node of a property, or undefined when `node` (an object schema) has no such key. */
export function propertySchema(node: SchemaNode, key: string): SchemaNode | undefined {
  const props = resolveSchema(node).properties;
  return props && Object.hasOwn(props, key) ? props[key] : undefined;
}

/** The `title` of a schema after following `$ref`: Duration, Size, ListenAddress, … */
export function schemaKind(node: SchemaNode): string | undefined {
  return resolveSchema(node).title;
}
