import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { generateConfigTypes, TYPES_FILE } from '../../../scripts/gen-config-types.ts';

test('runtime/config/types.generated.ts matches the schema (run `npm run gen:types` if not)', async () => {
  const checkedIn = await readFile(TYPES_FILE, 'utf8');
  assert.equal(
    checkedIn,
    await generateConfigTypes(),
    'types.generated.ts is stale: run `npm run gen:types`',
  );
});
