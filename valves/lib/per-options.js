// Helpers shared by the built-in valves' options. ctx.options is one frozen object per pipeline
// entry, shared by all of its sessions, so what a valve derives from it (compiled patterns, parsed
// paths) is built once per entry and looked up by identity on the hot path.

/** Wraps `build(options)` so that it runs once per options object. */
export function perOptions(build) {
  const cache = new WeakMap();
  return function derived(options) {
    let d = cache.get(options);
    if (d === undefined) {
      d = build(options);
      cache.set(options, d);
    }
    return d;
  };
}

/** The schema of a `direction` option. */
export function directionOption(fallback) {
  return {
    enum: ['fromClient', 'fromBackend', 'both'],
    default: fallback,
    description: 'Which messages the valve acts on: client → backend, backend → client, or both.',
  };
}

/** { fromClient, fromBackend } booleans for a `direction` option value. */
export function directions(direction) {
  return { fromClient: direction !== 'fromBackend', fromBackend: direction !== 'fromClient' };
}
