// Codes shared by the proxy, the valve host and the in-isolate driver (isolate-driver.js keeps
// its own copies of the numbers). Layouts of the binary frames:
//
// batch (proxy → host): u32 id, f64 now (NaN = real clock), u32 count, then per item
//   u8 op, u32 handle, and by op: message → u8 binary, bytes; open/attach/move → u32 version,
//   str JSON; failover → str JSON backend; close → nothing.
// result (host → proxy): u32 id, u32 count, then per item u8 flags and by flag:
//   FORWARD u32 n × (u8 binary, bytes); INJECT u32 n × (u8 target | binary << 1, bytes);
//   CLOSE u16 code, str reason; DELAY u32 ms; ERRORS u32 n × (u32 version, u16 valve, u8 kind,
//   u8 policy, u32 line, u32 column, str file, str message);
//   then u32 n × stats (u32 version, u16 valve, u8 hook, u32 calls, u32 drops, f64 seconds),
//   then u32 n × logs (u32 version, u16 valve, u8 level, str text).

export const OP_FROM_CLIENT = 0;
export const OP_FROM_BACKEND = 1;
export const OP_OPEN = 2;
export const OP_FAILOVER = 3;
export const OP_CLOSE = 4;
/** Register a session without calling open (after a restart), or with carried state (hot reload). */
export const OP_ATTACH = 5;
/** Move a session to another version, carrying its ctx.state (becomes an ATTACH in the host). */
export const OP_MOVE = 6;

/** Hook names by op (and the `direction` metric label of each). */
export const HOOK_NAMES = ['fromClient', 'fromBackend', 'open', 'failover', 'close'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

export const KIND_THROW = 0;
export const KIND_TIMEOUT = 1;
export const KIND_MEMORY = 2;
export const KIND_INVALID = 3;
export const KIND_HOST_CRASH = 4;
export const KIND_TRIPPED = 5;
export const KIND_NAMES = ['throw', 'timeout', 'memory', 'invalid-result', 'host-crash', 'tripped'] as const;
export type ErrorKind = (typeof KIND_NAMES)[number];

export const POLICY_DROP = 0;
export const POLICY_PASS = 1;
export const POLICY_CLOSE = 2;
export const POLICIES = ['drop', 'pass', 'close'] as const;

export const LEVEL_INFO = 0;
export const LEVEL_WARN = 1;
export const LEVEL_ERROR = 2;
/** A valve was tripped (logged as warn, and shown in the pipeline status). */
export const LEVEL_TRIP = 3;

export const FLAG_FORWARD = 1;
export const FLAG_INJECT = 2;
export const FLAG_CLOSE = 4;
export const FLAG_DELAY = 8;
export const FLAG_ERRORS = 16;

/** Driver event types: [item, type, …]. */
export const EV_INJECT = 1; // target (0 client, 1 backend), binary, data
export const EV_CLOSE = 2; // code, reason
export const EV_DELAY = 3; // ms
export const EV_ERROR = 4; // valve, kind, policy, file, line, column, message

/** The driver checks the clock before each hook and returns to the host after this many ms. */
export const SLICE_MS = 5;

/** Stats slots per valve in the driver's counters: 5 hooks × (calls, drops). */
export const STATS_PER_VALVE = 10;

/** Log level code for work a hook left behind (promise callbacks) that ran past the timeout. */
export const LOG_LEFTOVER_TIMEOUT = 4;
