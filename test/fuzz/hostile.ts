// Inputs no client should send: wrong types, extreme numbers, deep nesting, control characters,
// lone surrogates, broken encodings and bodies over the size limit.
import fc from 'fast-check';

const deep = (depth: number, open: string, close: string, leaf = '1') =>
  open.repeat(depth) + leaf + close.repeat(depth);

/** JSON texts and raw bytes a parser or a handler may choke on. */
export const hostileBodies: readonly (string | Uint8Array)[] = [
  '',
  '{',
  '{"a":',
  'null',
  '[]',
  '"text"',
  '1e400',
  '-0',
  '123456789012345678901234567890',
  'NaN',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"a":1,"a":2}',
  deep(20_000, '[', ']'),
  deep(20_000, '{"a":', '}'),
  `[${'1,'.repeat(100_000)}1]`,
  JSON.stringify({ text: 'x'.repeat(70 * 1024) }),
  JSON.stringify({ text: 'y'.repeat(2 * 1024 * 1024) }),
  '{"text":"nul\\u0000inside"}',
  '{"text":"lone \\ud800 surrogate"}',
  '{"text":"\\udfff"}',
  new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
  new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
  new Uint8Array([0xfe, 0xff, 0x00, 0x7b, 0x00, 0x7d]),
];

/** Values to put where a well-typed field belongs. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    -0,
    1.5,
    2 ** 53 + 2,
    -(2 ** 63),
    1e308,
    Number.MIN_VALUE,
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfffy',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    "'; drop table events; --",
    '%00',
    '9'.repeat(400),
    'z'.repeat(100_000),
    [],
    {},
    { __proto__: { polluted: true } },
  ),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.constant({ sku: 'a', quantity: 1, unitPrice: 1 }), {
    minLength: 101,
    maxLength: 400,
  }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.integer({ min: 30, max: 200 }).map((depth) => JSON.parse(deep(depth, '[', ']')) as unknown),
);

/** Path segments sent as they are (already percent-encoded where they hold a `%`). */
export const hostileSegments: readonly string[] = [
  '%',
  '%zz',
  '%E0%A4%A',
  '%00',
  '%ED%A0%80',
  '%FF%FE',
  '..',
  '%2e%2e',
  'a%2Fb',
  '%20',
  'a b',
  '%F0%9F%98%80',
  'x'.repeat(5000),
  '__proto__',
  'constructor',
];

export const hostileContentTypes: readonly (string | undefined)[] = [
  undefined,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=edgemesh',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/xml',
  'application/json, text/plain',
];

/** Header values a client could send (every value here is legal on the wire). */
export const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'idempotency-key': fc.constantFrom('', ' ', 'k'.repeat(300), 'cl\u00e9', 'a\tb'),
    authorization: fc.constantFrom('Bearer ', 'Bearer x', 'Basic Zm9vOmJhcg==', 'x'.repeat(9000)),
    'x-edgemesh-deadline-ms': fc.constantFrom('-1', '0', 'NaN', '1e400', '99999999999999999999'),
    traceparent: fc.constantFrom(
      '00-zz-zz-01',
      'garbage',
      `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`,
    ),
    'x-edgemesh-signature': fc.constantFrom('', 'v2:nonsense', 'x'.repeat(2000)),
    'upstash-retried': fc.constantFrom('-1', 'x', '1e9'),
  },
  { requiredKeys: [] },
);
