export type { Env, ExecutionContextLike, Runtime } from './runtime.ts';
export { executionContextOf, sharesIoAcrossRequests } from './runtime.ts';
