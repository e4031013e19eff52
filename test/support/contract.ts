// A fetch that checks every response against the called function's OpenAPI document: the route
// and status must be described, the content type declared, required headers present and the JSON
// body valid for its schema. Problems are collected, and so is which operations were exercised.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { OpenApiDocument, Operation } from '../../shared/openapi/index.ts';

interface ResponseDoc {
  content?: Record<string, { schema?: object }>;
  headers?: Record<string, { required?: boolean }>;
}

/** `/orders/{id}/saga` → a matcher; literal segments rank before templated ones. */
function routesOf(document: OpenApiDocument) {
  return Object.keys(document.paths)
    .map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^/]+\}/g, '[^/]+')}$`),
      params: (template.match(/\{/g) ?? []).length,
    }))
    .sort((a, b) => a.params - b.params);
}

/** Rewrites `#/components/…` refs to the document registered under `id`. */
function anchored(schema: unknown, id: string): unknown {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${id}#/components/`));
}

export function contractFetch(documents: Readonly<Record<string, OpenApiDocument>>) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const [name, document] of Object.entries(documents)) {
    ajv.addSchema({ $id: `${name}.json`, components: document.components }, `${name}.json`);
  }
  const routes = Object.fromEntries(
    Object.entries(documents).map(([name, document]) => [name, routesOf(document)]),
  );
  const problems: string[] = [];
  const exercised = new Set<string>();

  async function check(name: string, method: string, path: string, response: Response) {
    const document = documents[name]!;
    const route = routes[name]!.find(
      (candidate) =>
        candidate.pattern.test(path) && document.paths[candidate.template]?.[method.toLowerCase()],
    );
    const where = `${name} ${method} ${path} → ${response.status}`;
    if (!route) return void problems.push(`${where}: the route is not described`);
    const operation: Operation = document.paths[route.template]![method.toLowerCase()]!;
    exercised.add(`${name} ${method} ${route.template}`);
    const described = operation.responses[String(response.status)] as ResponseDoc | undefined;
    if (!described) return void problems.push(`${where}: the status is not described`);
    for (const [header, doc] of Object.entries(described.headers ?? {})) {
      if (doc.required && !response.headers.has(header))
        problems.push(`${where}: no ${header} header`);
    }
    const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const text = await response.clone().text();
    if (!described.content) {
      if (text !== '') problems.push(`${where}: a body where none is described`);
      return;
    }
    const media = described.content[type];
    if (!media) return void problems.push(`${where}: content type ${type} is not described`);
    if (!type.endsWith('json') || !media.schema) return;
    const validate = ajv.compile(anchored(media.schema, `${name}.json`) as object);
    if (!validate(JSON.parse(text))) {
      problems.push(`${where}: ${ajv.errorsText(validate.errors)}`);
    }
  }

  return {
    problems,
    exercised,
    /** fetch from function `name`, checking the response against its document. */
    async fetch(name: string, input: string | Request, init: RequestInit = {}): Promise<Response> {
      const response = await fetch(input, init);
      const request = typeof input === 'string' ? { url: input, method: init.method } : input;
      await check(name, request.method ?? 'GET', new URL(request.url).pathname, response);
      return response;
    },
    /** Operations of the documents never exercised, as `<function> <METHOD> <path>`. */
    unexercised(): string[] {
      return Object.entries(documents).flatMap(([name, document]) =>
        Object.entries(document.paths).flatMap(([path, item]) =>
          Object.keys(item)
            .map((method) => `${name} ${method.toUpperCase()} ${path}`)
            .filter((key) => !exercised.has(key)),
        ),
      );
    },
  };
}
