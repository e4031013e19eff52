import { describe, expect, it } from 'vitest';
import { createRequestContexts } from '../../../../shared/runtime/request-contexts.ts';
import type { ExecutionContextLike } from '../../../../shared/runtime/runtime.ts';

function fakeContext(name: string, log: string[], { ended = false } = {}): ExecutionContextLike {
  return {
    waitUntil() {
      if (ended) throw new Error('event ended');
      log.push(name);
    },
    passThroughOnException() {},
    props: {},
  };
}

describe('request contexts for shared waitUntil', () => {
  it('attaches background work to a request that is still in flight', async () => {
    const log: string[] = [];
    const contexts = createRequestContexts();
    await contexts.serve(fakeContext('a', log), () => {
      contexts.waitUntil(Promise.resolve());
      return Promise.resolve();
    });
    expect(log).toEqual(['a']);
  });

  it('falls back to the last request once none is in flight', async () => {
    const log: string[] = [];
    const contexts = createRequestContexts();
    await contexts.serve(fakeContext('a', log), () => Promise.resolve());
    await contexts.serve(fakeContext('b', log), () => Promise.resolve());
    contexts.waitUntil(Promise.resolve());
    expect(log).toEqual(['b']);
  });

  it('never throws when the last event has ended or before any request', async () => {
    const contexts = createRequestContexts();
    expect(() => contexts.waitUntil(Promise.reject(new Error('flush failed')))).not.toThrow();
    await contexts.serve(fakeContext('a', [], { ended: true }), () => Promise.resolve());
    expect(() => contexts.waitUntil(Promise.resolve())).not.toThrow();
  });
});
