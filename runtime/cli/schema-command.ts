// `sluice schema`: prints the config JSON Schema.
import { configSchema } from '../config/index.ts';

export function runSchema(): number {
  process.stdout.write(`${JSON.stringify(configSchema, null, 2)}\n`);
  return 0;
}
