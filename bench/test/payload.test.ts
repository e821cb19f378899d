import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makePayload, readSeq, stamp } from '../load/payload.ts';

describe('bench payloads', () => {
  test('are JSON text of exactly the asked size, with the fields the bench valves check', () => {
    for (const size of [64, 200, 4096]) {
      const p = makePayload(size);
      assert.equal(p.length, size);
      const doc = JSON.parse(p.toString());
      assert.equal(typeof doc.id, 'number');
      assert.equal(typeof doc.type, 'string');
      assert.equal(typeof doc.token, 'string');
    }
  });

  test('carry a sequence number that reads back from the echo without parsing JSON', () => {
    const template = makePayload(200);
    for (const seq of [0, 7, 123_456, 9_999_999_999]) {
      const msg = stamp(template, seq);
      assert.equal(readSeq(msg), seq);
      assert.equal(msg.length, 200);
      assert.doesNotThrow(() => JSON.parse(msg.toString()));
    }
    assert.equal(readSeq(template), 0, 'the template itself is sequence 0');
  });

  test('survive the redact valve rewriting the token (the sequence comes first)', () => {
    const doc = JSON.parse(stamp(makePayload(200), 42).toString());
    doc.token = '*'.repeat(doc.token.length);
    assert.equal(readSeq(Buffer.from(JSON.stringify(doc))), 42);
  });

  test('refuse a size too small to hold the fields', () => {
    assert.throws(() => makePayload(32), /at least 64 bytes/);
  });

  test('do not share a buffer between sends (ws may still hold the previous one)', () => {
    const template = makePayload(64);
    const a = stamp(template, 1);
    const b = stamp(template, 2);
    assert.notEqual(a.buffer === b.buffer && a.byteOffset === b.byteOffset, true);
    assert.equal(readSeq(a), 1);
  });
});
