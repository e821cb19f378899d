// CONTRACT.md §3: what a fromClient hook returns decides what reaches the backend. Observed at a
// real echo backend behind a real Sluice; each case is followed by a marker message, so
// "nothing arrived" is asserted after something later did.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestClient } from '../helpers/client.ts';
import {
  fixture,
  shown,
  startValveSluice,
  type ValveSluice,
  waitBackendText,
} from '../helpers/valve-sluice.ts';

describe('a hook result decides what goes on', () => {
  let vs: ValveSluice;
  let client: TestClient;
  before(async () => {
    vs = await startValveSluice({
      valves: { 'results.js': fixture('results.js') },
      pipeline: [{ valve: './results.js' }],
      // only record: the backend's view is what these tests assert
      backends: [{ silent: true }],
    });
    client = await vs.connect();
  });
  after(() => vs.stop());

  /** Sends `trigger` then a marker; resolves with what the backend received in between. */
  async function through(trigger: string): Promise<{ data: Buffer; binary: boolean }[]> {
    const backend = vs.backends[0];
    const from = backend.received.length;
    const marker = `marker-${from}`;
    client.send(trigger);
    client.send(marker);
    const at = await waitBackendText(backend, marker, from);
    return backend.received.slice(from, at);
  }

  test('undefined passes the message on unchanged', async () => {
    assert.deepEqual(shown(await through('undefined')), ['text:undefined']);
  });

  test('null drops the message', async () => {
    assert.deepEqual(shown(await through('null')), []);
  });

  test('a string replaces the message with that text', async () => {
    assert.deepEqual(shown(await through('string')), ['text:replaced']);
  });

  test('a Uint8Array reaches the backend as a binary message', async () => {
    const got = await through('bytes');
    assert.equal(got.length, 1);
    assert.equal(got[0].binary, true, 'a binary frame, not text');
    assert.deepEqual([...got[0].data], [1, 2, 3]);
  });

  test('{type, data} replaces the message with that text or binary message', async () => {
    assert.deepEqual(shown(await through('object-text')), ['text:as object']);
    assert.deepEqual(shown(await through('object-binary')), ['bin:9,8']);
  });

  test('an array splits into several messages, in order', async () => {
    assert.deepEqual(shown(await through('array')), ['text:one', 'bin:2', 'text:three']);
  });

  test('an empty array drops the message', async () => {
    assert.deepEqual(shown(await through('empty')), []);
  });

  test('binary from the client reaches the hook as binary and passes unchanged', async () => {
    const backend = vs.backends[0];
    const from = backend.received.length;
    client.send(Buffer.from([0, 255, 1]));
    await backend.waitReceived(from + 1);
    assert.equal(backend.received[from].binary, true);
    assert.deepEqual([...backend.received[from].data], [0, 255, 1]);
  });
});
