// Bench stand-in for the built-in json-schema valve (not written yet): parses each text message and
// checks the fields the bench's messages carry; a message that is not JSON or lacks them is dropped.
export const options = {
  type: 'object',
  properties: { required: { type: 'array', items: { type: 'string' }, default: ['id', 'type'] } },
  additionalProperties: false,
};

export function fromClient(msg, ctx) {
  if (msg.type !== 'text') return null;
  let doc;
  try {
    doc = JSON.parse(msg.data);
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return null;
  for (const key of ctx.options.required) if (!(key in doc)) return null;
  if (typeof doc.id !== 'number' || typeof doc.type !== 'string') return null;
}
