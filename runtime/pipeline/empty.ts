// The pipeline of a session with no valves: the session forwards directly and never waits on
// the valve host.
import type { PipelineSelector } from './types.ts';
import { EMPTY_PIPELINE } from './valve-pipeline.ts';

export { EMPTY_PIPELINE };

export const EMPTY_SELECTOR: PipelineSelector = {
  select: () => EMPTY_PIPELINE,
};
