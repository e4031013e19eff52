import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../../../shared/discovery/endpoint.ts';
import {
  consistentHash,
  leastLatency,
  powerOfTwoChoices,
  randomBalancer,
  roundRobin,
  weightedBalancer,
} from '../../../../shared/http/balancers/index.ts';

const endpoints: Endpoint[] = ['https://a', 'https://b', 'https://c'].map((url) => ({
  url,
  weight: 1,
}));
const urls = (picked: Endpoint[]) => picked.map((e) => e.url);

function sequence(values: number[]) {
  let i = 0;
  return () => values[i++ % values.length]!;
}

describe('balancers', () => {
  it('round robin takes endpoints in turn', () => {
    const b = roundRobin();
    expect(urls(Array.from({ length: 4 }, () => b.pick(endpoints)))).toEqual([
      'https://a',
      'https://b',
      'https://c',
      'https://a',
    ]);
  });

  it('random picks by the random source', () => {
    const b = randomBalancer({ random: sequence([0.9, 0.1]) });
    expect(urls([b.pick(endpoints), b.pick(endpoints)])).toEqual(['https://c', 'https://a']);
  });

  it('weighted sends traffic in proportion to weights', () => {
    const weighted = [
      { url: 'https://a', weight: 1 },
      { url: 'https://b', weight: 3 },
    ];
    const b = weightedBalancer({ random: sequence([0.1, 0.3, 0.6, 0.9]) });
    expect(urls(Array.from({ length: 4 }, () => b.pick(weighted)))).toEqual([
      'https://a',
      'https://b',
      'https://b',
      'https://b',
    ]);
  });

  it('least latency prefers the endpoint with the lowest moving average and tries unseen ones', () => {
    const b = leastLatency({ alpha: 0.5 });
    b.observe!(endpoints[0]!, 50, true);
    b.observe!(endpoints[1]!, 10, true);
    expect(b.pick(endpoints).url).toBe('https://c');
    b.observe!(endpoints[2]!, 30, true);
    expect(b.pick(endpoints).url).toBe('https://b');
    b.observe!(endpoints[1]!, 10, false);
    expect(b.pick(endpoints).url).toBe('https://c');
  });

  it('power of two choices picks the faster of two random endpoints', () => {
    const b = powerOfTwoChoices({ random: sequence([0, 0]) });
    b.observe!(endpoints[0]!, 100, true);
    b.observe!(endpoints[1]!, 5, true);
    expect(b.pick(endpoints).url).toBe('https://b');
  });

  it('consistent hash keeps a key on one endpoint and moves only the keys of a removed one', () => {
    const b = consistentHash();
    const keys = Array.from({ length: 300 }, (_, i) => `customer-${i}`);
    const before = keys.map((key) => b.pick(endpoints, { key }).url);
    expect(keys.map((key) => b.pick(endpoints, { key }).url)).toEqual(before);
    expect(new Set(before).size).toBe(3);
    const after = keys.map((key) => b.pick(endpoints.slice(0, 2), { key }).url);
    keys.forEach((_, i) => {
      if (before[i] !== 'https://c') expect(after[i]).toBe(before[i]);
    });
  });

  it('rejects out-of-range options at construction', () => {
    expect(() => consistentHash({ replicas: 0 })).toThrow(/replicas/);
    expect(() => leastLatency({ alpha: 0 })).toThrow(/alpha/);
  });
});
