// Bench stand-in for the built-in size-limit valve (not written yet): drops a text message longer
// than `maxBytes` characters (UTF-16 length: a cheap upper bound check, no encoding) or a larger binary.
export const options = {
  type: 'object',
  properties: { maxBytes: { type: 'integer', minimum: 1, default: 65536 } },
  additionalProperties: false,
};

export function fromClient(msg, ctx) {
  const size = msg.type === 'text' ? msg.data.length : msg.data.byteLength;
  if (size > ctx.options.maxBytes) return null;
}
