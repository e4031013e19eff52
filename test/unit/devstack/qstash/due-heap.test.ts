import { describe, expect, it } from 'vitest';
import { DueHeap } from '../../../../devstack/qstash/delivery/due-heap.ts';
import { requestTarget } from '../../../../devstack/qstash/delivery/http-send.ts';

describe('the due-time heap', () => {
  it('pops by due time, then by insertion sequence', () => {
    const heap = new DueHeap<{ dueAt: number; seq: number }>();
    const items = [
      { dueAt: 30, seq: 1 },
      { dueAt: 10, seq: 3 },
      { dueAt: 10, seq: 2 },
      { dueAt: 20, seq: 4 },
      { dueAt: 5, seq: 5 },
    ];
    for (const item of items) heap.push(item);
    const order: number[] = [];
    for (let item = heap.pop(); item; item = heap.pop()) order.push(item.seq);
    expect(order).toEqual([5, 2, 3, 4, 1]);
  });
});

describe('the delivered request target', () => {
  it('keeps the path and query exactly as published', () => {
    expect(requestTarget('https://x.io//a/b?c=1&d=%20')).toBe('//a/b?c=1&d=%20');
    expect(requestTarget('http://x.io')).toBe('/');
    expect(requestTarget('http://x.io?q=1')).toBe('/?q=1');
  });
});
