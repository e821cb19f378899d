// The graphql-subscriptions example end to end, as its README runs it: the graphql-transport-ws
// server, Sluice on examples/graphql-subscriptions/sluice.yaml, and the client script.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ExampleProcess, startBackend, startScript, startSluice } from './example-process.ts';

const DIR = 'examples/graphql-subscriptions';

test('graphql-subscriptions: subscriptions stream through; extra subscribes get a protocol error; a huge one closes 1009', async (t) => {
  const procs: ExampleProcess[] = [];
  t.after(() => {
    for (const p of procs) p.stop();
  });
  const server = await startBackend(`${DIR}/graphql-server.ts`, ['--interval-ms', '20']);
  procs.push(server.proc);
  const sluice = await startSluice(`${DIR}/sluice.yaml`, { GRAPHQL_URL: server.url });
  procs.push(sluice.proc);
  const run = async (args: string[]) => {
    const c = startScript(`${DIR}/graphql-client.ts`, ['--url', `${sluice.url}/graphql`, ...args]);
    procs.push(c);
    return { code: await c.exit(), out: c.output() };
  };

  // two countdowns from 3, through Sluice, on the graphql-transport-ws subprotocol
  const two = await run(['--subscriptions', '2', '--from', '3']);
  assert.equal(two.code, 0, two.out);
  assert.match(two.out, /subprotocol graphql-transport-ws/);
  for (const id of ['1', '2']) {
    const nexts = two.out.split('\n').filter((l) => l.startsWith(`← {"id":"${id}","type":"next"`));
    assert.deepEqual(
      nexts.map((l) => JSON.parse(l.slice(2)).payload.data.countdown),
      [3, 2, 1, 0],
    );
    assert.match(two.out, new RegExp(`← \\{"id":"${id}","type":"complete"\\}`));
  }

  // five at once on a new connection: 3 pass, the 4th and 5th are answered by Sluice
  const before = server.proc.lines(/"type":"subscribe"/).length;
  const five = await run(['--subscriptions', '5', '--from', '1']);
  assert.equal(five.code, 0, five.out);
  for (const id of ['1', '2', '3'])
    assert.match(five.out, new RegExp(`← \\{"id":"${id}","type":"complete"\\}`));
  for (const id of ['4', '5']) {
    assert.match(
      five.out,
      new RegExp(`← \\{"id":"${id}","type":"error","payload":\\[\\{"message":"too many subscriptions`),
    );
  }
  assert.equal(server.proc.lines(/"type":"subscribe"/).length - before, 3, 'the server saw 3 subscribes');

  // a 6000-byte subscribe: the connection is closed with 1009 before the server sees it
  const huge = await run(['--query-bytes', '6000']);
  assert.equal(huge.code, 1);
  assert.match(huge.out, /^closed 1009 message larger than 4096 bytes$/m);
  assert.equal(server.proc.lines(/"type":"subscribe"/).length - before, 3);
});
