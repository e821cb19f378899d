// mask-contacts: hides e-mail addresses and phone numbers typed into a JSON message's free-text
// field. (The built-in redact masks whole fields by path; this valve rewrites inside a string.)
// Messages that are not JSON objects, or whose text has nothing to hide, pass byte for byte.

export const options = {
  type: 'object',
  properties: {
    field: { type: 'string', minLength: 1, default: 'text', description: 'The top-level text field.' },
    email: { type: 'string', default: '[email hidden]', description: 'What an e-mail address becomes.' },
    phone: { type: 'string', default: '[phone hidden]', description: 'What a phone number becomes.' },
  },
  additionalProperties: false,
};

const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
// 7 or more digits, optionally with a leading + and spaces, dots, dashes or brackets between them
const PHONE = /\+?\d(?:[\s().-]*\d){6,}/g;
// cheap pre-check, so most messages are never parsed: an @, or 7 digits with separators between
const MAYBE = /@|\d(?:[\s().-]*\d){6}/;

/** @param {import('../../../valves/valve.d.ts').Message} msg @param {import('../../../valves/valve.d.ts').Ctx} ctx */
export function fromClient(msg, ctx) {
  if (msg.type !== 'text' || !MAYBE.test(msg.data)) return undefined;
  let m;
  try {
    m = JSON.parse(msg.data);
  } catch {
    return undefined;
  }
  const { field, email, phone } = ctx.options;
  if (m === null || typeof m !== 'object' || typeof m[field] !== 'string') return undefined;
  const masked = m[field].replace(EMAIL, email).replace(PHONE, phone);
  if (masked === m[field]) return undefined;
  m[field] = masked;
  return JSON.stringify(m);
}
