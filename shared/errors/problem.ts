import { errorStatus, errorTitle, type ErrorCode } from './codes.ts';
import { isEdgeMeshError, type FieldIssue } from './edgemesh-error.ts';

/** An RFC 9457 problem document, as every error response carries it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  traceId?: string;
  errors?: readonly FieldIssue[];
  [extension: string]: unknown;
}

export const problemContentType = 'application/problem+json';

/** The problem `type` URI for a code, stable across releases. */
export function problemType(code: ErrorCode): string {
  return `https://edgemesh.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`;
}

export interface ProblemContext {
  /** The request path, reported as `instance`. */
  instance?: string;
  /** The W3C trace id of the request, when there is one. */
  traceId?: string;
}

/** Builds the problem document for any thrown value; unknown errors become INTERNAL. */
export function toProblem(error: unknown, context: ProblemContext = {}): Problem {
  const code: ErrorCode = isEdgeMeshError(error) ? error.code : 'INTERNAL';
  const detail = isEdgeMeshError(error) ? error.message : 'An unexpected error occurred.';
  const problem: Problem = {
    ...(isEdgeMeshError(error) ? error.extensions : {}),
    type: problemType(code),
    title: errorTitle[code],
    status: errorStatus[code],
    detail,
    code,
  };
  if (context.instance) problem.instance = context.instance;
  if (context.traceId) problem.traceId = context.traceId;
  if (isEdgeMeshError(error) && error.issues.length > 0) problem.errors = error.issues;
  return problem;
}

/** Renders a problem as a Response with `application/problem+json`. */
export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { ...headers, 'content-type': problemContentType },
  });
}
