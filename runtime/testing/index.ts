// The local valve tooling, for user code: drive a pipeline step by step (PipelineHarness) or run
// `*.test.yaml` files (runPipelineTests), in a real valve host on a virtual clock.
export { findTestFiles } from './discover.ts';
export {
  type HarnessOptions,
  type LoadProblem,
  PipelineHarness,
  PipelineLoadError,
  type SessionOptions,
  type StepResult,
} from './harness.ts';
export type { Delivered, ExpectedMessage, MessageInput } from './messages.ts';
export { type CaseResult, type RunOptions, type RunSummary, runPipelineTests } from './runner.ts';
export { readTestFile } from './test-file.ts';
export { TestClock, TestHost, type ValveLogLine } from './test-host.ts';
