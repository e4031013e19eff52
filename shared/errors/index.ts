export { errorStatus, errorTitle, type ErrorCode } from './codes.ts';
export { EdgeMeshError, hasCode, isEdgeMeshError, type FieldIssue } from './edgemesh-error.ts';
export {
  problemContentType,
  problemResponse,
  problemType,
  toProblem,
  type Problem,
} from './problem.ts';
export { problemErrorHandler, problemNotFound, traceIdOf } from './hono.ts';
