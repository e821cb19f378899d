// A line-based chat client for the chat-moderation example: each line you type is a chat message;
// every message of the room is printed. Your name goes in the x-user header (in production an
// authenticating proxy in front of Sluice would set it).
//   npx node examples/chat-moderation/chat-client.ts --user ana
// Commands: /contact EMAIL PHONE  share a contact card   /flood N  send N messages at once   /quit
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://127.0.0.1:8080/chat/lobby' },
    user: { type: 'string', default: 'anonymous' },
  },
});

const ws = new WebSocket(args.url, { headers: { 'x-user': args.user } });

/** One line per message, as a person reads a chat. */
function show(text: string): string {
  let m: { type?: string; user?: string; text?: string; error?: string; contact?: Record<string, unknown> };
  try {
    m = JSON.parse(text);
  } catch {
    return `! ${text}`;
  }
  if (m.type === 'chat') {
    const card = m.contact === undefined ? '' : `  [contact: ${JSON.stringify(m.contact)}]`;
    return `<${m.user}> ${m.text}${card}`;
  }
  if (m.type === 'joined' || m.type === 'left') return `* ${m.user} ${m.type}`;
  if (m.type === 'error') return `! ${m.error}`;
  return `? ${text}`;
}

function send(text: string, contact?: object): void {
  ws.send(JSON.stringify(contact === undefined ? { type: 'chat', text } : { type: 'chat', text, contact }));
}

ws.on('message', (data) => console.log(show(data.toString())));
ws.on('close', (code, reason) => {
  console.log(`closed ${code} ${reason.toString()}`);
  process.exit(code === 1000 ? 0 : 1);
});
ws.on('error', (err) => {
  console.error(`chat client: ${err.message} (is Sluice running on ${args.url}?)`);
  process.exit(1);
});

ws.on('open', () => {
  console.log(`connected to ${args.url} as ${args.user}`);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const [command, ...rest] = line.trim().split(/\s+/);
    if (command === '/quit') ws.close(1000);
    else if (command === '/contact')
      send('my contact card', { email: rest[0], phone: rest.slice(1).join(' ') });
    else if (command === '/flood') for (let i = 1; i <= Number(rest[0] ?? 10); i++) send(`flood ${i}`);
    else if (line.trim() !== '') send(line);
  });
  lines.on('close', () => ws.close(1000));
});
