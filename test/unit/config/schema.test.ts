import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENV_VARS } from '../../../runtime/config/index.ts';
import { schemaKeys } from './schema-keys.ts';

/** Keys that have no default on purpose. */
const NO_DEFAULT = new Set([
  'server.admin.token',
  'upstream.backends[].url',
  'upstream.backends[].id',
  'pipeline[].valve',
  'pipeline[].when',
  'pipeline[].when.path',
  'pipeline[].when.subprotocol',
  'pipeline[].when.headers',
  'server.frontend.tls',
  'server.frontend.tls.cert',
  'server.frontend.tls.key',
  'upstream.backends[].tls',
  'upstream.backends[].tls.ca',
  'upstream.backends[].tls.cert',
  'upstream.backends[].tls.key',
]);

describe('config schema', () => {
  test('every key has a type and a description', () => {
    for (const { path, node, declared } of schemaKeys()) {
      assert.ok(node.type, `${path} has a type`);
      assert.ok(declared.description ?? node.description, `${path} has a description`);
    }
  });

  test('every documented key that can have a default has one', () => {
    for (const { path, node, declared } of schemaKeys()) {
      if (declared.deprecated || NO_DEFAULT.has(path)) continue;
      assert.notEqual(declared.default ?? node.default, undefined, `${path} has a default`);
    }
  });

  test('holds every wsbalancer key and every Sluice key', () => {
    const paths = new Set(schemaKeys().map((k) => k.path));
    const expected = [
      'server.frontend.address',
      'server.frontend.read-timeout',
      'server.frontend.wite-timeout',
      'server.frontend.write-timeout',
      'server.frontend.max-header-bytes',
      'server.admin.address',
      'server.admin.read-timeout',
      'server.admin.wite-timeout',
      'server.admin.write-timeout',
      'server.admin.max-header-bytes',
      'server.admin.token',
      'server.admin.allowed-hosts',
      'server.read-buffer-size',
      'server.write-buffer-size',
      'server.trust-received-xff',
      'server.block-headers',
      'server.reconnect-header',
      'server.enable-instrumentation',
      'server.logging-level',
      'server.max-message-size',
      'server.compression',
      'server.allowed-origins',
      'server.client-ping-interval',
      'server.client-pong-timeout',
      'server.high-water-mark',
      'server.low-water-mark',
      'server.stall-timeout',
      'server.drain-window',
      'server.shutdown-timeout',
      'upstream.selection',
      'upstream.failover-timeout',
      'upstream.max-reconnects',
      'upstream.queue-max-messages',
      'upstream.queue-max-bytes',
      'upstream.backends[].url',
      'upstream.backends[].id',
      'upstream.backends[].ping-time',
      'upstream.backends[].pong-timeout',
      'upstream.backends[].read-buffer-size',
      'upstream.backends[].write-buffer-size',
      'upstream.backends[].breaker-threshold',
      'upstream.backends[].flap-window',
      'upstream.backends[].handshake-timeout',
      'upstream.backends[].pass-headers',
      'upstream.backends[].abnormal-close-codes',
      'upstream.backends[].weight',
      'upstream.backends[].compression',
      'pipeline[].valve',
      'pipeline[].with',
      'pipeline[].when.path',
      'pipeline[].when.subprotocol',
      'pipeline[].when.headers',
      'pipeline[].timeout',
      'pipeline[].memory-mb',
      'pipeline[].on-error',
      'pipeline[].isolate',
      ...[
        'urls',
        'ids',
        'pingtime',
        'readbuffersize',
        'writebuffersize',
        'breakerthreshold',
        'handshaketimeout',
      ].map((k) => `upstream.${k}`),
      'upstream.passheaders',
      'upstream.abnormalclosecodes',
    ];
    for (const path of expected) assert.ok(paths.has(path), `schema has ${path}`);
  });

  test('every environment variable sets a key the schema knows', () => {
    const paths = new Set(schemaKeys().map((k) => k.path));
    for (const spec of ENV_VARS)
      assert.ok(paths.has(spec.path.join('.')), `${spec.name} → ${spec.path.join('.')}`);
  });
});
