// The config subsystem's public API: load (file, text, env, object), check, backend conversion,
// the value parsers and the schema.
export { isLoopbackHost, type ListenAddress, parseListenAddress } from './address.ts';
export { type BackendGlobals, backendIdFor, backendToJson, resolveBackendInput } from './backend.ts';
export { type CheckOptions, checkConfig, type ValveChecker } from './check.ts';
export { formatGoDuration, parseDuration } from './duration.ts';
export { ENV_VARS, type EnvVarSpec, splitEnvList } from './env.ts';
export {
  type LoadOptions,
  loadConfigFile,
  loadConfigFromEnv,
  loadConfigObject,
  loadConfigText,
} from './load.ts';
export type * from './model.ts';
export { BUILTIN_VALVES_DIR, builtinValveNames, resolveValveFile } from './pipeline.ts';
export { type ConfigLocation, formatProblem, formatProblemsJson } from './problems.ts';
export { restartKeys } from './restart-keys.ts';
export { configSchema } from './schema.ts';
export { parseSize } from './size.ts';
