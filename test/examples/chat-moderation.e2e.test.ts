// The chat-moderation example end to end, as its README runs it: the chat server, Sluice on
// examples/chat-moderation/sluice.yaml, and chat clients typing lines on their stdin.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from '../helpers/client.ts';
import { type ExampleProcess, startBackend, startScript, startSluice } from './example-process.ts';

const DIR = 'examples/chat-moderation';

test("chat-moderation: personal data masked, denied words dropped, a per-user rate limit shared by that user's tabs", async (t) => {
  const procs: ExampleProcess[] = [];
  t.after(() => {
    for (const p of procs) p.stop();
  });
  const server = await startBackend(`${DIR}/chat-server.ts`);
  procs.push(server.proc);
  const sluice = await startSluice(`${DIR}/sluice.yaml`, { CHAT_URL: server.url });
  procs.push(sluice.proc);
  const client = async (user: string) => {
    const c = startScript(`${DIR}/chat-client.ts`, ['--user', user, '--url', `${sluice.url}/chat/lobby`]);
    procs.push(c);
    await c.waitFor(/^connected to /m);
    return c;
  };
  const ana = await client('ana');
  const bob = await client('bob');
  await ana.waitFor(/^\* bob joined$/m);

  ana.writeLine('hello bob');
  await bob.waitFor(/^<ana> hello bob$/m);

  // denied: dropped for everyone; the next line still arrives
  ana.writeLine('what the FRAK');
  ana.writeLine('sorry, I mean: what');
  await bob.waitFor(/^<ana> sorry, I mean: what$/m);
  assert.doesNotMatch(bob.output() + server.proc.output(), /FRAK/);

  // personal data: masked before the chat server sees it
  ana.writeLine('/contact ana@example.com +49 170 1234567');
  await bob.waitFor(/^<ana> my contact card {2}\[contact: \{"email":"\*\*\*","phone":"\*\*\*"\}\]$/m);
  ana.writeLine('or mail ana.s@example.org, or call 0170 765 4321');
  await bob.waitFor(/^<ana> or mail \[email hidden\], or call \[phone hidden\]$/m);
  assert.doesNotMatch(server.proc.output(), /example\.(com|org)|1234567|765 4321/);

  // carol floods from one tab: 5 messages pass, the rest get "slow down" (only carol sees it)
  const carol = await client('carol');
  const carolTab2 = await client('carol');
  carol.writeLine('/flood 8');
  const outcomes = await carol.waitForLines(/^(<carol> flood \d|! slow down)/, 8);
  const passed = outcomes.filter((l) => l.startsWith('<carol>'));
  assert.ok(
    passed.length >= 5 && passed.length <= 6,
    `5 (or 6 with a refill) passed: ${outcomes.join(' | ')}`,
  );
  await bob.waitForLines(/^<carol> flood \d$/, passed.length);
  assert.doesNotMatch(bob.output(), /slow down/);
  // …and the bucket is carol's, not the tab's: her other tab is limited too
  carolTab2.writeLine('me again');
  await carolTab2.waitFor(/^! slow down: 5 messages at once, then 1 a second$/m);
  // bob (his own bucket) still gets through, and carol's dropped line never arrived
  bob.writeLine('calm down, carol');
  await ana.waitFor(/^<bob> calm down, carol$/m);
  assert.doesNotMatch(ana.output(), /me again/);
});

// A backend's first message, sent the moment it accepts the connection, arrives while the client
// is still being upgraded: Sluice holds it (runtime/backend/dial.ts pauses the new backend socket)
// until the session listens. This lost it about half the time before that.
test('chat-moderation: every client gets the chat server\'s first message, its own "joined"', async (t) => {
  const server = await startBackend(`${DIR}/chat-server.ts`);
  t.after(() => server.proc.stop());
  const sluice = await startSluice(`${DIR}/sluice.yaml`, { CHAT_URL: server.url });
  t.after(() => sluice.proc.stop());
  for (let i = 0; i < 20; i++) {
    const c = await connect(`${sluice.url}/chat/room-${i}`, undefined, { headers: { 'x-user': `u${i}` } });
    t.after(() => c.close());
    await c.waitFor(1, 2000);
    assert.deepEqual(JSON.parse(c.texts()[0]), { type: 'joined', user: `u${i}` });
  }
});
