import { describe, expect, it } from 'vitest';
import {
  userHeadersOf,
  workflowPublishOf,
} from '../../../../../devstack/qstash/workflow/headers.ts';
import {
  initialPayloadBase64,
  rawStepsBody,
} from '../../../../../devstack/qstash/workflow/model.ts';

describe('workflow publish headers', () => {
  it('tells a run start, an invoke, a step and a context.call apart', () => {
    const of = (headers: Record<string, string>) => workflowPublishOf(new Headers(headers));
    expect(of({})).toBeUndefined();
    expect(of({ 'Upstash-Workflow-RunId': 'wfr_1', 'Upstash-Workflow-Init': 'true' })).toEqual({
      role: 'start',
      runId: 'wfr_1',
      invoke: false,
    });
    expect(
      of({
        'Upstash-Workflow-RunId': 'wfr_2',
        'Upstash-Workflow-Init': 'true',
        'Upstash-Workflow-Invoke': 'true',
      }),
    ).toEqual({ role: 'start', runId: 'wfr_2', invoke: true });
    expect(of({ 'Upstash-Workflow-RunId': 'wfr_1', 'Upstash-Workflow-Init': 'false' })).toEqual({
      role: 'step',
      runId: 'wfr_1',
    });
    expect(
      of({ 'Upstash-Workflow-RunId': 'wfr_1', 'Upstash-Workflow-CallType': 'toCallback' }),
    ).toEqual({ role: 'call', runId: 'wfr_1' });
  });

  it("keeps the trigger's own headers for every step, not the SDK's protocol headers", () => {
    expect(
      userHeadersOf({
        'Content-Type': 'application/json',
        'x-tenant': 'acme',
        'upstash-workflow-sdk-version': '1',
      }),
    ).toEqual({ 'x-tenant': 'acme' });
  });

  it("delivers every step base64-encoded, the trigger's payload first", () => {
    const body = rawStepsBody([
      { messageId: 'msg_1', body: Buffer.from('{"orderId":"o1"}'), createdAt: 1 },
      { messageId: 'msg_2', body: Buffer.from('{"stepId":1}'), createdAt: 2 },
    ]);
    expect(JSON.parse(body.toString())).toEqual([
      {
        messageId: 'msg_1',
        body: Buffer.from('{"orderId":"o1"}').toString('base64'),
        callType: 'step',
      },
      {
        messageId: 'msg_2',
        body: Buffer.from('{"stepId":1}').toString('base64'),
        callType: 'step',
      },
    ]);
    expect(initialPayloadBase64(body)).toBe(Buffer.from('{"orderId":"o1"}').toString('base64'));
    expect(initialPayloadBase64(Buffer.from('not json'))).toBeUndefined();
  });
});
