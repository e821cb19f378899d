// `sluice replay`: a capture fed through a config's pipeline on a virtual clock, as a child process.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCliToEnd } from '../helpers/cli-process.ts';
import { FIXTURES } from './helpers.ts';

const cwd = join(FIXTURES, 'replay');

describe('sluice replay', () => {
  test('prints what reaches each side, drops, delays released by t, the close, and exits 0', async () => {
    const r = await runCliToEnd(['replay', 'session.jsonl'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'replaying session.jsonl (8 messages) through the pipeline of sluice.yaml',
        '      0ms  client  "hello"',
        '          → backend: "HELLO@0"',
        '          log info [../valves/shout.js] shouting hello',
        '      5ms  backend "first"',
        '          → client:  "first"',
        '    100ms  backend "too soon"',
        '          dropped',
        '    250ms  client  "later:held"',
        '          log info [../valves/shout.js] shouting later:held',
        '    900ms  backend <binary 3 bytes: AQID>',
        '          → client:  <binary 3 bytes: AQID>',
        '   1500ms  released (its ctx.delay ended)',
        '          → backend: "HELD"',
        '   1500ms  client  "ping"',
        '          → client:  "pong"',
        '          dropped',
        '   1600ms  client  "bye"',
        '          dropped',
        '          closed: 4000 "bye"',
        '   1700ms  client  "after close"',
        '          not delivered: the session was closed',
        'replayed 8 messages: 2 reached the backend, 3 the client, 3 dropped, 0 valve errors',
        '',
      ].join('\n'),
    );
  });

  test('a valve error is shown and makes the exit code 1', async () => {
    const r = await runCliToEnd(['replay', 'boom.jsonl', '-c', 'fragile.yaml'], { cwd });
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      / {5}10ms {2}client {2}"boom"\n {10}dropped\n {10}log warn \[\.\.\/valves\/fragile\.js\] valve error: .*boom/,
    );
    assert.match(r.stdout, /1 valve error\n$/);
  });

  test('an invalid capture names each bad line and column, and nothing is replayed', async () => {
    const r = await runCliToEnd(['replay', 'bad.jsonl'], { cwd });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.deepEqual(r.stderr.trimEnd().split('\n'), [
      'bad.jsonl:2:15  from  must be one of client, backend (got "server")',
      `bad.jsonl:3:1  not a JSON line: Unexpected token 'o', "not json" is not valid JSON`,
      'bad.jsonl:4:50  data  must be base64 (A-Z a-z 0-9 + /, = padding) (got "%%")',
      'bad.jsonl:5:6  t  must be >= 0 (got -1)',
      'bad.jsonl:5:51  extra  unknown key "extra"; known keys: t, from, type, data',
      'sluice replay: bad.jsonl is not a valid capture (above); nothing was replayed',
    ]);
  });

  test('without -c and no ./sluice.yaml it says how to give the config', async () => {
    const r = await runCliToEnd(['replay', 'replay/session.jsonl'], { cwd: FIXTURES });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no \.\/sluice\.yaml here: give the config .* with -c <file>/);
  });

  test('a missing capture argument is a usage error (exit 2)', async () => {
    const r = await runCliToEnd(['replay'], { cwd });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing required argument 'capture'/);
  });
});
