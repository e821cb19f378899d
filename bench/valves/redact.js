// Bench stand-in for the built-in redact valve (not written yet): parses a JSON text message, masks
// one field and stringifies it again (so every message is replaced, and its bytes cross back).
export const options = {
  type: 'object',
  properties: { field: { type: 'string', default: 'token' } },
  additionalProperties: false,
};

export function fromClient(msg, ctx) {
  if (msg.type !== 'text') return undefined;
  const doc = JSON.parse(msg.data);
  const field = ctx.options.field;
  if (typeof doc[field] !== 'string') return undefined;
  doc[field] = '*'.repeat(doc[field].length);
  return JSON.stringify(doc);
}
