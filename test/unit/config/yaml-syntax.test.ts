import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatProblem, loadConfigText } from '../../../runtime/config/index.ts';
import { BACKEND, errorsOf, load, warningsOf } from './helpers.ts';

describe('YAML and JSON syntax errors', () => {
  test('tab indentation is an error at its line and column', () => {
    const errors = errorsOf(load('server:\n\tfrontend: {}\n'));
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^sluice\.yaml:2:1 {2}.*Tabs are not allowed as indentation/);
  });

  test('a duplicate key is an error at the second occurrence', () => {
    const errors = errorsOf(load(`${BACKEND}upstream:\n  selection: weighted\n`));
    assert.equal(errors.length, 1);
    assert.match(errors[0], /^sluice\.yaml:4:1 {2}Map keys must be unique/);
  });

  test('an empty file says the config is empty', () => {
    assert.match(errorsOf(load(''))[0], /config is empty/);
  });

  test('a file of comments only says the config is empty', () => {
    assert.match(errorsOf(load('# nothing yet\n\n# still nothing\n'))[0], /config is empty/);
  });

  test('billion-laughs aliases are refused quickly', () => {
    let text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    let previous = 'a';
    for (const name of 'bcdefghi') {
      text += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]\n`;
      previous = name;
    }
    const started = performance.now();
    const errors = errorsOf(load(text));
    assert.ok(performance.now() - started < 1000, 'rejected within 1 s');
    assert.match(errors[0], /^sluice\.yaml:2:\d+ {2}too many alias expansions/);
  });

  test('an unclosed quote is an error with a line and column', () => {
    const errors = errorsOf(load('server:\n  reconnect-header: "X-Reconnect\nupstream: {}\n'));
    assert.match(errors[0], /^sluice\.yaml:\d+:\d+ {2}Missing closing "quote/);
  });

  test('several YAML documents in one file are refused', () => {
    assert.match(errorsOf(load(`${BACKEND}---\nserver: {}\n`))[0], /more than one YAML document/);
  });

  test('a config that is not a mapping says what it must be', () => {
    assert.match(errorsOf(load('- server\n- upstream\n'))[0], /must be a mapping of sections.*not a list/);
  });

  test('an unsupported extension is refused naming the extensions to use', () => {
    const result = loadConfigText(BACKEND, 'sluice.conf', {});
    assert.deepEqual(errorsOf(result), [
      'sluice.conf  has the unsupported extension ".conf": use .yaml, .yml or .json',
    ]);
  });

  test('JSON files are read by extension and their problems have line and column', () => {
    const json = '{\n\t"upstream": {\n\t\t"backends": [{ "url": "http://127.0.0.1:9090" }]\n\t}\n}\n';
    const result = loadConfigText(json, 'sluice.json', {});
    assert.deepEqual(errorsOf(result), [
      'sluice.json:3:25  upstream.backends[0].url  must be a ws:// or wss:// URL, e.g. ws://127.0.0.1:9090 (got "http://127.0.0.1:9090")',
    ]);
  });

  test('a leading zero is decimal (YAML 1.2), with a warning', () => {
    const result = load(`server:\n  read-buffer-size: 0777\n${BACKEND}`);
    assert.equal(result.config?.server.readBufferSize, 777);
    assert.match(
      warningsOf(result)[0],
      /^sluice\.yaml:2:21 {2}server\.read-buffer-size {2}warning: 0777 is read as the decimal number 777.*0o777/,
    );
  });

  test('YAML merge keys work for shared backend settings', () => {
    const result = load(
      'x-defaults: &defaults { ping-time: 30s, breaker-threshold: 3 }\n' +
        'upstream:\n  backends:\n    - { <<: *defaults, url: ws://127.0.0.1:9090 }\n',
    );
    assert.equal(result.config?.upstream.backends[0].pingTimeMs, 30_000);
    assert.equal(result.config?.upstream.backends[0].breakerThreshold, 3);
    assert.equal(result.problems.map(formatProblem).length, 1, 'only the x-defaults section warning');
  });
});

describe('YAML null documents', () => {
  test('a document that is only null (~) says the config is empty', () => {
    assert.match(errorsOf(load('~\n'))[0], /config is empty/);
  });
});
