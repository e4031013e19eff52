import { ApiError, getJson } from '../api.ts';
import { h, swap, table } from '../dom.ts';
import type { Panel } from '../panel.ts';

interface Operation {
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: unknown;
  responses?: Record<string, { description?: string }>;
}
interface Document {
  info?: { title?: string; version?: string };
  paths?: Record<string, Record<string, Operation>>;
}

const methods = ['get', 'put', 'post', 'delete', 'patch'];

/** Each function's OpenAPI operations, for functions that serve `/openapi.json`. */
export const explorerPanel: Panel = {
  id: 'api',
  title: 'API explorer',
  mount(root) {
    const body = h('div');
    root.append(h('h2', {}, 'API explorer'), body);
    let done = false;
    return async () => {
      if (done) return;
      const { functions } = await getJson<{ functions: { name: string }[] }>('/api/system');
      const docs = await Promise.all(
        functions.map(async (fn) => {
          try {
            return {
              name: fn.name,
              ...(await getJson<{ url: string; document: Document }>(
                `/api/openapi/${encodeURIComponent(fn.name)}`,
              )),
            };
          } catch (error) {
            if (error instanceof ApiError && error.status === 404) return undefined;
            throw error;
          }
        }),
      );
      const found = docs.filter((d) => d !== undefined);
      done = true;
      swap(
        body,
        found.length === 0
          ? h('p', {}, 'No function serves /openapi.json yet.')
          : found.map((d) =>
              h(
                'section',
                { 'aria-labelledby': `api-${d.name}` },
                h(
                  'h3',
                  { id: `api-${d.name}` },
                  d.name,
                  ' ',
                  h(
                    'span',
                    { class: 'hint' },
                    `${d.document.info?.title ?? ''} ${d.document.info?.version ?? ''}`,
                  ),
                ),
                table(
                  `${d.name} operations`,
                  ['method', 'path', 'summary', 'parameters', 'responses'],
                  Object.entries(d.document.paths ?? {}).flatMap(([path, ops]) =>
                    methods
                      .filter((m) => ops[m])
                      .map((m) => {
                        const op = ops[m]!;
                        return [
                          m.toUpperCase(),
                          h('span', { class: 'mono' }, path),
                          op.summary ?? op.description ?? '',
                          (op.parameters ?? [])
                            .map((p) => `${p.name} (${p.in}${p.required ? ', required' : ''})`)
                            .join(', ') + (op.requestBody ? ' + body' : ''),
                          Object.keys(op.responses ?? {}).join(', '),
                        ];
                      }),
                  ),
                ),
              ),
            ),
      );
    };
  },
};
