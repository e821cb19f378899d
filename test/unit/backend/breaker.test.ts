import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Breaker } from '../../../runtime/backend/breaker.ts';

test('trips when the threshold of consecutive failures is reached', () => {
  const b = new Breaker(3, () => 0);
  b.failure();
  b.failure();
  assert.equal(b.tripped, false);
  b.failure();
  assert.equal(b.tripped, true);
  assert.equal(b.ready(), false);
});

test('a success in between resets the consecutive count', () => {
  const b = new Breaker(2, () => 0);
  b.failure();
  b.success();
  b.failure();
  assert.equal(b.tripped, false);
});

test('a negative threshold disables the breaker', () => {
  const b = new Breaker(-1, () => 0);
  for (let i = 0; i < 100; i++) b.failure();
  assert.equal(b.tripped, false);
  assert.equal(b.ready(), true);
});

test('half-open admits exactly one trial after the backoff, and a success closes it', () => {
  let now = 0;
  const b = new Breaker(1, () => now);
  b.failure();
  assert.equal(b.ready(), false);
  now = 800; // past the first backoff (500 ms ±50 %)
  assert.equal(b.ready(), true);
  assert.equal(b.ready(), false, 'only one trial at a time');
  b.success();
  assert.equal(b.tripped, false);
  assert.equal(b.ready(), true);
});

test('a failed trial keeps it tripped with a longer backoff', () => {
  let now = 0;
  const b = new Breaker(1, () => now);
  b.failure();
  now = 800;
  assert.equal(b.ready(), true);
  b.failure();
  assert.equal(b.tripped, true);
  now = 800 + 200;
  assert.equal(b.ready(), false);
});

test('reset closes a tripped breaker and reports whether it was tripped', () => {
  const changes: boolean[] = [];
  const b = new Breaker(1, () => 0);
  b.onChange = (t) => changes.push(t);
  assert.equal(b.reset(), false);
  b.failure();
  assert.equal(b.reset(), true);
  assert.equal(b.tripped, false);
  assert.deepEqual(changes, [true, false]);
});

test('a completed handshake alone does not clear the failure count: only its verdict does', () => {
  const b = new Breaker(2, () => 0);
  b.failure();
  b.connected(true); // on probation (flap-window)
  b.failure(); // e.g. that connection flapped
  assert.equal(b.tripped, true, 'connected() did not reset the count');
  const c = new Breaker(2, () => 0);
  c.failure();
  c.connected(true);
  c.success(); // it outlived flap-window
  c.failure();
  assert.equal(c.tripped, false);
});

test('a trial that connects closes the breaker at once; a failure before its success re-trips it with a longer backoff', (t) => {
  t.mock.method(Math, 'random', () => 0.5); // no jitter: backoffs of exactly 500, 750, … ms
  let now = 0;
  const changes: boolean[] = [];
  const b = new Breaker(2, () => now);
  b.onChange = (tripped) => changes.push(tripped);
  b.failure();
  b.failure();
  now = 500;
  assert.equal(b.ready(), true, 'the trial');
  b.connected(true);
  assert.equal(b.tripped, false, 'new sessions may use it while the trial is on probation');
  assert.equal(b.ready(), true);
  b.failure(); // the trial connection flapped: one failure is enough
  assert.equal(b.tripped, true);
  now = 500 + 600;
  assert.equal(b.ready(), false, 'the backoff grew to 750 ms instead of starting over at 500 ms');
  now = 500 + 750;
  assert.equal(b.ready(), true);
  b.connected(true);
  b.success();
  b.failure();
  assert.equal(b.tripped, false, 'a confirmed success clears the count');
  assert.deepEqual(changes, [true, false, true, false]);
});

test('while tripped, only a failed trial lengthens the backoff (not a burst of late verdicts)', (t) => {
  t.mock.method(Math, 'random', () => 0.5);
  let now = 0;
  const b = new Breaker(2, () => now);
  for (let i = 0; i < 200; i++) b.failure(); // e.g. 200 fresh sessions dropped at once
  now = 500;
  assert.equal(b.ready(), true, 'the first trial comes after 500 ms, not after the 60 s cap');
  b.failure();
  now = 500 + 700;
  assert.equal(b.ready(), false, 'a failed trial: 750 ms');
  now = 500 + 750;
  assert.equal(b.ready(), true);
});

test('while tripped, handshakes that were not the trial neither close the breaker nor use up the trial', (t) => {
  t.mock.method(Math, 'random', () => 0.5);
  let now = 0;
  const b = new Breaker(2, () => now);
  b.failure();
  b.failure();
  assert.equal(b.tripped, true);
  // failover dials started before the trip complete late
  b.connected(false);
  b.success(false);
  assert.equal(b.tripped, true, 'a late non-trial handshake does not close it');
  now = 500;
  assert.equal(b.ready(), true, 'the trial');
  assert.equal(b.ready(), false, 'one trial at a time');
  b.failure(false); // a connection from before the trip drops meanwhile
  assert.equal(b.ready(), false, 'the trial is still in flight');
  b.release(false);
  assert.equal(b.ready(), false, 'a non-trial release does not free the trial slot');
  b.connected(true);
  assert.equal(b.tripped, false, 'the trial closes it');
});
