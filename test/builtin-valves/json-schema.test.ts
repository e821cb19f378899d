import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { builtin, Rig } from './helpers.ts';

describe('json-schema', () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start();
  });
  after(() => rig.stop());

  const user = {
    type: 'object',
    required: ['id', 'name'],
    properties: { id: { type: 'integer', minimum: 1 }, name: { type: 'string' } },
    additionalProperties: false,
  };

  test('valid messages pass unchanged; invalid, non-JSON and binary ones are dropped', async () => {
    const s = await rig.session([builtin('json-schema', { schema: user })]);
    const ok = '{ "id": 1, "name": "ann" }';
    assert.deepEqual(
      await s.passed('fromClient', ok, '{"id":0,"name":"x"}', 'hello', '{"id":1', new Uint8Array([1])),
      [ok],
    );
    assert.deepEqual(
      await s.passed('fromBackend', '{"nope":1}'),
      ['{"nope":1}'],
      'direction defaults to fromClient',
    );
  });

  test('binary: pass lets binary messages through unvalidated', async () => {
    const s = await rig.session([builtin('json-schema', { schema: user, binary: 'pass' })]);
    assert.deepEqual(await s.passed('fromClient', new Uint8Array([7])), ['bin:7']);
  });

  // Each keyword of the supported subset: a schema, a valid and an invalid value, the error text.
  const cases: [string, unknown, unknown, unknown, string][] = [
    ['type', { type: 'string' }, '"a"', '1', 'message must be string'],
    ['type list', { type: ['string', 'null'] }, 'null', '1', 'message must be string or null'],
    ['integer', { type: 'integer' }, '2.0', '2.5', 'message must be integer'],
    ['required', user, '{"id":1,"name":"a"}', '{"id":1}', 'name is required'],
    [
      'properties (nested path)',
      { properties: { a: { properties: { b: { type: 'number' } } } } },
      '{"a":{"b":1}}',
      '{"a":{"b":"x"}}',
      'a.b must be number',
    ],
    [
      'additionalProperties false',
      user,
      '{"id":1,"name":"a"}',
      '{"id":1,"name":"a","x":0}',
      'x is not allowed',
    ],
    [
      'additionalProperties schema',
      { additionalProperties: { type: 'boolean' } },
      '{"a":true}',
      '{"a":1}',
      'a must be boolean',
    ],
    ['enum', { enum: ['a', 1, null] }, '1', '"b"', 'message must be one of "a", 1, null'],
    ['enum of objects', { enum: [{ a: [1] }] }, '{"a":[1]}', '{"a":[2]}', 'message must be one of {"a":[1]}'],
    ['const', { const: { v: 2 } }, '{"v":2}', '{"v":3}', 'message must be {"v":2}'],
    ['minimum', { minimum: 3 }, '3', '2', 'message must be >= 3'],
    ['maximum', { maximum: 3 }, '3', '4', 'message must be <= 3'],
    ['exclusiveMinimum', { exclusiveMinimum: 3 }, '4', '3', 'message must be > 3'],
    ['exclusiveMaximum', { exclusiveMaximum: 3 }, '2', '3', 'message must be < 3'],
    [
      'minLength (code points)',
      { minLength: 2 },
      '"😀😀"',
      '"😀"',
      'message must NOT have fewer than 2 characters',
    ],
    [
      'maxLength (code points)',
      { maxLength: 2 },
      '"😀😀"',
      '"abc"',
      'message must NOT have more than 2 characters',
    ],
    ['pattern', { pattern: '^[A-Z]+$' }, '"ABC"', '"AbC"', 'message must match pattern "^[A-Z]+$"'],
    ['items', { items: { type: 'integer' } }, '[1,2]', '[1,"2"]', '[1] must be integer'],
    [
      'prefixItems',
      { prefixItems: [{ const: 2 }, { type: 'string' }] },
      '[2,"x",{}]',
      '[2,3]',
      '[1] must be string',
    ],
    ['minItems', { minItems: 2 }, '[1,2]', '[1]', 'message must NOT have fewer than 2 items'],
    ['maxItems', { maxItems: 1 }, '[1]', '[1,2]', 'message must NOT have more than 1 items'],
    [
      'anyOf',
      { anyOf: [{ type: 'string' }, { type: 'number' }] },
      '1',
      'true',
      'message must match a schema in anyOf',
    ],
    [
      'anyOf reports the closest branch',
      { anyOf: [{ type: 'string' }, { properties: { a: { type: 'string' } } }] },
      '{"a":"x"}',
      '{"a":1}',
      'a must be string',
    ],
    [
      'oneOf (none)',
      { oneOf: [{ type: 'string' }, { type: 'number' }] },
      '"x"',
      'null',
      'message must match exactly one schema in oneOf',
    ],
    [
      'oneOf (several)',
      { oneOf: [{ type: 'number' }, { minimum: 0 }] },
      '-1',
      '1',
      'message must match exactly one schema in oneOf, but matches several',
    ],
    ['allOf', { allOf: [{ type: 'number' }, { maximum: 5 }] }, '5', '6', 'message must be <= 5'],
    ['not', { not: { type: 'null' } }, '1', 'null', 'message must NOT be valid against the schema in not'],
    ['false', { properties: { a: false } }, '{}', '{"a":1}', 'a is not allowed'],
  ];
  for (const [name, schema, valid, invalid, error] of cases) {
    test(`subset keyword ${name}: invalid values are answered with the failing path`, async () => {
      const s = await rig.session([builtin('json-schema', { schema, action: 'reply' })]);
      const [good, bad] = await s.send('fromClient', valid as string, invalid as string);
      assert.deepEqual(good.forward, [valid]);
      assert.deepEqual(bad.forward, []);
      assert.deepEqual(bad.toClient, [`invalid message: ${error}`]);
    });
  }

  test('discriminator picks the schema by a field; `schema` covers the other values', async () => {
    const schemas = {
      login: { required: ['user'] },
      ping: { properties: { n: { type: 'integer' } } },
    };
    const strict = await rig.session([
      builtin('json-schema', { discriminator: 'type', schemas, action: 'reply', replyFormat: 'json' }),
    ]);
    const [login, badLogin, ping, other, none] = await strict.send(
      'fromClient',
      '{"type":"login","user":"u"}',
      '{"type":"login"}',
      '{"type":"ping","n":1}',
      '{"type":"chat"}',
      '{"x":1}',
    );
    assert.deepEqual(login.forward, ['{"type":"login","user":"u"}']);
    assert.deepEqual(ping.forward, ['{"type":"ping","n":1}']);
    assert.deepEqual(
      badLogin.toClient.map((m) => JSON.parse(m)),
      [{ error: 'invalid message', path: 'user', message: 'is required' }],
    );
    assert.deepEqual(JSON.parse(other.toClient[0]), {
      error: 'invalid message',
      path: 'type',
      message: '"chat" has no schema',
    });
    assert.deepEqual(JSON.parse(none.toClient[0]), {
      error: 'invalid message',
      path: 'type',
      message: 'is required',
    });
    const lenient = await rig.session([
      builtin('json-schema', { discriminator: 'type', schemas, schema: true }),
    ]);
    assert.deepEqual(await lenient.passed('fromClient', '{"type":"chat"}', '{"type":"login"}'), [
      '{"type":"chat"}',
    ]);
  });

  test('replyFormat ocpp answers an invalid CALL with a CALLERROR for its uniqueId, validating the payload at target', async () => {
    const s = await rig.session([
      builtin('json-schema', {
        discriminator: '[2]',
        target: '[3]',
        schemas: {
          BootNotification: {
            type: 'object',
            required: ['chargePointVendor', 'chargePointModel'],
            properties: {
              chargePointVendor: { type: 'string', maxLength: 20 },
              chargePointModel: { type: 'string' },
            },
          },
          Heartbeat: { type: 'object', additionalProperties: false },
        },
        schema: true,
        action: 'reply',
        replyFormat: 'ocpp',
      }),
    ]);
    const good = '[2,"1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]';
    const results = await s.send(
      'fromClient',
      good,
      '[2,"2","BootNotification",{"chargePointVendor":"V"}]',
      '[2,"3","BootNotification",{"chargePointVendor":7,"chargePointModel":"M"}]',
      '[2,"4","Heartbeat",{"x":1}]',
      '[3,"9",{"status":"Accepted"}]',
      '[2,"5","BootNotification",{"chargePointVendor":"VVVVVVVVVVVVVVVVVVVVV","chargePointModel":"M"}]',
    );
    assert.deepEqual(results[0].forward, [good]);
    assert.deepEqual(results[4].forward, ['[3,"9",{"status":"Accepted"}]'], 'a CALLRESULT uses the fallback');
    assert.deepEqual(
      results.slice(1, 4).map((r) => JSON.parse(r.toClient[0])),
      [
        [
          4,
          '2',
          'OccurenceConstraintViolation',
          '[3].chargePointModel is required',
          { path: '[3].chargePointModel' },
        ],
        [
          4,
          '3',
          'TypeConstraintViolation',
          '[3].chargePointVendor must be string',
          { path: '[3].chargePointVendor' },
        ],
        [4, '4', 'FormationViolation', '[3].x is not allowed', { path: '[3].x' }],
      ],
    );
    assert.equal(JSON.parse(results[5].toClient[0])[2], 'PropertyConstraintViolation');
  });

  test('replyFormat ocpp: an unknown action without fallback is NotImplemented; non-calls are dropped unanswered', async () => {
    const s = await rig.session([
      builtin('json-schema', {
        discriminator: '[2]',
        schemas: { Heartbeat: {} },
        action: 'reply',
        replyFormat: 'ocpp',
      }),
    ]);
    const [unknown, notJson] = await s.send('fromClient', '[2,"7","Reset",{}]', '[2,');
    assert.deepEqual(JSON.parse(unknown.toClient[0]), [
      4,
      '7',
      'NotImplemented',
      '[2] "Reset" has no schema',
      { path: '[2]' },
    ]);
    assert.deepEqual(notJson, { forward: [], toClient: [], toBackend: [], close: undefined, delayMs: 0 });
  });

  test('replyFormat jsonrpc answers requests with JSON-RPC errors, never notifications', async () => {
    const s = await rig.session([
      builtin('json-schema', {
        discriminator: 'method',
        schemas: {
          add: {
            required: ['id', 'params'],
            properties: { params: { type: 'array', items: { type: 'number' } } },
          },
        },
        action: 'reply',
        replyFormat: 'jsonrpc',
      }),
    ]);
    const r = await s.send(
      'fromClient',
      '{"jsonrpc":"2.0","id":1,"method":"add","params":[1,"2"]}',
      '{"jsonrpc":"2.0","id":"b","method":"sub"}',
      '{"jsonrpc":"2.0","method":"add","params":["x"]}',
      '{oops',
    );
    const errors = r.map((x) => (x.toClient[0] === undefined ? undefined : JSON.parse(x.toClient[0])));
    assert.deepEqual(errors[0], {
      jsonrpc: '2.0',
      id: 1,
      error: {
        code: -32602,
        message: 'Invalid params',
        data: { path: 'params[1]', message: 'must be number' },
      },
    });
    assert.equal(errors[1].error.code, -32601);
    assert.equal(errors[1].id, 'b');
    assert.equal(errors[2], undefined, 'a notification gets no answer');
    assert.deepEqual([errors[3].id, errors[3].error.code], [null, -32700]);
  });

  test('action close closes the session with 1007 and the reason', async () => {
    const s = await rig.session([builtin('json-schema', { schema: user, action: 'close' })]);
    const bad = await s.one('fromClient', '{"id":"1","name":"a"}');
    assert.deepEqual(bad.forward, []);
    assert.deepEqual(bad.close, { code: 1007, reason: 'invalid message: id must be integer' });
  });

  test('direction fromBackend validates backend messages and replies to the backend', async () => {
    const s = await rig.session([
      builtin('json-schema', { schema: user, direction: 'fromBackend', action: 'reply', log: true }),
    ]);
    assert.deepEqual(await s.passed('fromClient', 'free text'), ['free text']);
    const bad = await s.one('fromBackend', '{"id":1}');
    assert.deepEqual(bad.toBackend, ['invalid message: name is required']);
    assert.ok(rig.valveLogs('json-schema').includes('invalid message from the backend: name is required'));
  });

  test('a bad with: is rejected when the pipeline loads, naming the key', async () => {
    const unsupported = await rig.buildErrors(
      builtin('json-schema', { schema: { properties: { a: { format: 'email' } } } }),
    );
    assert.match(
      unsupported.join('\n'),
      /with\.schema\.properties\.a\.format is not an option of this valve/,
    );
    const badRegex = await rig.buildErrors(builtin('json-schema', { schema: { pattern: '(' } }));
    assert.match(badRegex.join('\n'), /with\.schema\.pattern must match format "regex"/);
    const noSchema = await rig.buildErrors(builtin('json-schema', { action: 'reply' }));
    assert.match(noSchema.join('\n'), /with\.schema is required/);
    assert.match(noSchema.join('\n'), /with\.schemas is required/);
    const noDiscriminator = await rig.buildErrors(builtin('json-schema', { schemas: { a: {} } }));
    assert.match(
      noDiscriminator.join('\n'),
      /with must have property discriminator when property schemas is present/,
    );
    const badFormat = await rig.buildErrors(builtin('json-schema', { schema: {}, replyFormat: 'xml' }));
    assert.match(badFormat.join('\n'), /with\.replyFormat must be one of "text", "json", "ocpp", "jsonrpc"/);
  });
});
