// Sends generated requests to functions and checks what a client would notice: no answer of
// 500 or more, every error a problem+json document, and no write for a refused request.
import fc from 'fast-check';
import { fuzzCases, type CaseKind, type FuzzCase } from './cases.ts';
import type { FuzzRoute } from './routes.ts';

export interface FuzzTarget {
  readonly name: string;
  readonly routes: readonly FuzzRoute[];
  send(input: FuzzCase): Promise<Response>;
  /** Writes since the last call (events and outbox rows); absent where it cannot be counted. */
  writes?(): Promise<number>;
}

export interface FuzzFinding {
  readonly service: string;
  readonly request: string;
  readonly kind: CaseKind;
  readonly status: number;
  readonly problem: string;
}

export interface FuzzReport {
  readonly inputs: number;
  readonly seed: number;
  /** Requests answered per status, over every target. */
  readonly statuses: Record<number, number>;
  readonly findings: FuzzFinding[];
  /** Refused requests whose writes were counted. */
  readonly refusedChecked: number;
  readonly perService: Record<string, { statuses: Record<number, number>; refusedChecked: number }>;
}

/**
 * Answers that refuse the request itself. A declined payment (402) or a reservation refused for
 * want of stock (409) is a decision, recorded as an event on purpose, so those may write.
 */
const refusals = new Set([400, 401, 403, 404, 405, 413, 414, 415, 422, 429, 431, 489]);

/** `/<package>.<Service>/<Method>`: a Connect/gRPC-Web route, whose errors follow its protocol. */
const rpcPath = /^\/[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*\.[A-Z]\w*\/[A-Z]\w*$/;

/** A Connect error: JSON with a string `code`, or a bodiless 415 for a content type it does not speak. */
async function connectErrorOf(response: Response): Promise<string | undefined> {
  if (response.status === 415) {
    await response.body?.cancel();
    return undefined;
  }
  const body = (await response.json().catch(() => undefined)) as { code?: unknown } | undefined;
  return typeof body?.code === 'string' ? undefined : 'RPC error without a Connect error code';
}

async function problemOf(response: Response): Promise<string | undefined> {
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('application/problem+json')) {
    return `error body is ${type || 'untyped'}, not application/problem+json`;
  }
  const body = (await response.json().catch(() => undefined)) as
    { title?: unknown; status?: unknown } | undefined;
  if (typeof body?.title !== 'string' || body.status !== response.status) {
    return 'problem document without a title or with another status';
  }
  return undefined;
}

function describeCase(input: FuzzCase) {
  const body =
    input.body === undefined
      ? ''
      : typeof input.body === 'string'
        ? ` ${input.body.slice(0, 160)}`
        : ` <${input.body.length} bytes>`;
  return `${input.route.method} ${input.target.slice(0, 200)}${body}`;
}

async function check(
  target: FuzzTarget,
  input: FuzzCase,
): Promise<{ status: number; problems: string[]; counted: boolean }> {
  await target.writes?.();
  const response = await target.send(input);
  const problems: string[] = [];
  if (response.status >= 500) problems.push(`answered ${response.status}`);
  if (response.status >= 400) {
    const path = input.route.path;
    const problem = rpcPath.test(path) ? await connectErrorOf(response) : await problemOf(response);
    if (problem) problems.push(problem);
  } else {
    await response.body?.cancel();
  }
  const written = refusals.has(response.status) ? await target.writes?.() : undefined;
  if (written) problems.push(`refused with ${response.status}, yet wrote ${written} records`);
  return { status: response.status, problems, counted: written !== undefined };
}

/** `inputs` requests spread over `targets` (same seed, same requests). */
async function fuzzTarget(
  target: FuzzTarget,
  inputs: number,
  seed: number,
  findings: FuzzFinding[],
): Promise<{ statuses: Record<number, number>; refusedChecked: number }> {
  const statuses: Record<number, number> = {};
  let refusedChecked = 0;
  for (const input of fc.sample(fuzzCases(target.routes), { numRuns: inputs, seed })) {
    const { status, problems, counted } = await check(target, input);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (counted) refusedChecked += 1;
    for (const problem of problems) {
      findings.push({
        service: target.name,
        request: describeCase(input),
        kind: input.kind,
        status,
        problem,
      });
    }
  }
  return { statuses, refusedChecked };
}

/** `inputs` requests spread evenly over `targets`; the same seed sends the same requests. */
export async function fuzz(
  targets: readonly FuzzTarget[],
  { inputs, seed = Date.now() % 2 ** 31 }: { inputs: number; seed?: number },
): Promise<FuzzReport> {
  const findings: FuzzFinding[] = [];
  const perService: FuzzReport['perService'] = {};
  const perTarget = Math.ceil(inputs / targets.length);
  for (const [index, target] of targets.entries()) {
    perService[target.name] = await fuzzTarget(target, perTarget, seed + index, findings);
  }
  const results = Object.values(perService);
  const statuses: Record<number, number> = {};
  for (const [status, count] of results.flatMap((result) => Object.entries(result.statuses))) {
    statuses[Number(status)] = (statuses[Number(status)] ?? 0) + count;
  }
  const refusedChecked = results.reduce((sum, result) => sum + result.refusedChecked, 0);
  return {
    inputs: perTarget * targets.length,
    seed,
    statuses,
    findings,
    refusedChecked,
    perService,
  };
}
