// The pipeline of a session with no valves: the session forwards directly and never waits on
// the valve host.
import type { PipelineSelector, SessionPipeline } from './types.ts';

export const EMPTY_PIPELINE: SessionPipeline = {
  empty: true,
  open() {},
  push() {},
  failover() {},
  close() {},
};

export const EMPTY_SELECTOR: PipelineSelector = {
  select: () => EMPTY_PIPELINE,
};
