// be-reject (WSBALANCER.md §5.2, §7): every status really tested (the Go suite's loop-variable bug
// ran one random code). 3xx/4xx are the backend's answer and go to the client, the search stops and
// the breaker is untouched; 5xx means "try the next backend", counts against the breaker, and only
// when every backend fails does the client get 502.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectStatus } from '../helpers/client.ts';
import { harness } from '../helpers/harness.ts';

describe('3xx/4xx: the client gets the backend status', () => {
  for (const status of [300, 303, 400, 401, 402, 403]) {
    test(`${status} → client gets ${status}, no other backend tried, breaker untouched`, async (t) => {
      const h = await harness(t, { backends: [{ rejectWith: status }, { rejectWith: status }] });
      assert.equal(await connectStatus(`${h.sluice.url}/`), status);
      const tried = h.backends.reduce((n, b) => n + b.requests.length, 0);
      assert.equal(tried, 1, 'the search stops at the first backend that declines');
      for (const b of await h.admin.backends()) {
        assert.equal(b.totalFailures, 0);
        assert.equal(b.tripped, false);
      }
    });
  }
});

describe('5xx: next backend, all failing → 502', () => {
  for (const status of [500, 501, 502, 503]) {
    test(`${status} from one backend → the session opens on the next one`, async (t) => {
      const h = await harness(t, { backends: [{ rejectWith: status }, {}] });
      // Two sessions: round-robin starts at least one of them on the failing backend.
      for (let i = 0; i < 2; i++) await (await h.connect()).echo('served');
      assert.equal(h.backends[1].handshakes.length, 2);
      const bad = await h.admin.backend(h.backends[0].id);
      assert.ok(bad.totalFailures >= 1, 'the 5xx counted against the backend');
      assert.equal(bad.totalFailures, h.backends[0].requests.length, 'every 5xx counted once');
    });

    test(`${status} from every backend → client gets 502, each backend tried once`, async (t) => {
      const h = await harness(t, { backends: [{ rejectWith: status }, { rejectWith: status }] });
      assert.equal(await connectStatus(`${h.sluice.url}/`), 502);
      for (const b of h.backends) assert.equal(b.requests.length, 1);
      for (const b of await h.admin.backends()) assert.equal(b.totalFailures, 1);
    });
  }
});

test('a refused TCP connection is a backend failure: the next backend serves', async (t) => {
  const h = await harness(t, { backends: 2 });
  const [down, up] = h.backends;
  down.server.close();
  // Two sessions: round-robin starts at least one of them on the closed backend.
  for (let i = 0; i < 2; i++) await (await h.connect()).echo('ok');
  assert.equal(up.handshakes.length, 2);
  assert.ok((await h.admin.backend(down.id)).totalFailures >= 1, 'the refused dial was counted');
});
