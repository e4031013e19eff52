import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { apiCompare } from 'api-smart-diff';
import { beforeAll, describe, expect, it } from 'vitest';
import { listFunctions, loadServices } from '../../../devstack/functions/catalog.ts';
import { contractsDir, documentsOf } from '../../../devstack/openapi/documents.ts';
import type { OpenApiDocument } from '../../../shared/openapi/index.ts';

let served: Record<string, OpenApiDocument>;

beforeAll(async () => {
  served = await documentsOf(await loadServices(listFunctions()));
});

const checkedIn = async (name: string) =>
  JSON.parse(await readFile(join(contractsDir, `${name}.json`), 'utf8')) as OpenApiDocument;

/** The breaking changes from `before` to `after`, one line each. */
function breaking(before: OpenApiDocument, after: OpenApiDocument): string[] {
  return apiCompare(before, after)
    .diffs.filter((diff) => diff.type === 'breaking')
    .map((diff) => `${diff.path.join('.')}: ${diff.description ?? diff.action}`);
}

describe.each(listFunctions().map((spec) => spec.name))('the API of %s', (name) => {
  it('makes no breaking change to the checked-in contract', async () => {
    expect(breaking(await checkedIn(name), served[name]!)).toEqual([]);
  });

  it('is the checked-in contract (after a compatible change, run npm run openapi)', async () => {
    expect(served[name]).toEqual(await checkedIn(name));
  });
});

describe('the compatibility check', () => {
  it('calls a removed response, a removed route and a new required field breaking', async () => {
    const before = await checkedIn('orders');
    const after = structuredClone(before);
    delete after.paths['/orders/{id}']!.get!.responses['404'];
    delete after.paths['/orders/{id}/saga'];
    const body = (
      after.paths['/orders']!.post!.requestBody as {
        content: Record<string, { schema: { properties: object; required: string[] } }>;
      }
    ).content['application/json']!.schema;
    body.properties = { ...body.properties, coupon: { type: 'string' } };
    body.required.push('coupon');
    expect(breaking(before, after)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('paths./orders/{id}.get.responses.404'),
        expect.stringContaining('paths./orders/{id}/saga'),
        expect.stringContaining('required status to `coupon`'),
      ]),
    );
  });
});
