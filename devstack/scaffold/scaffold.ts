import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { serviceNamePattern } from '../../shared/service/index.ts';
import { listFunctions, loadServices } from '../functions/catalog.ts';
import { denoTasks } from './deno-tasks.ts';
import {
  appTemplate,
  domainTemplate,
  scaffoldNames,
  schemaTemplate,
  serviceTemplate,
  testTemplate,
} from './templates.ts';

/** A bad request to the scaffold: one line for the user, nothing written. */
export class ScaffoldError extends Error {}

/** QStash topic (URL group) names: letters, digits, `-`, `_` and `.`. */
const topicPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export interface ScaffoldOptions {
  /** The repository to scaffold into. */
  root: string;
  name: string;
  /** Subscribe the new function to this topic with a signed consumer. */
  consumer?: string;
}

/** What the scaffold wrote, relative to the root. */
export interface ScaffoldResult {
  port: number;
  created: string[];
  changed: string[];
}

/** The `[env.<name>]` section of wrangler.toml for a function. */
export function wranglerSection(name: string): string {
  return `\n[env.${name}]\nname = "edgemesh-${name}"\nmain = "functions/${name}/service.ts"\nplacement = { mode = "smart" }\n`;
}

function check(root: string, name: string, consumer: string | undefined): void {
  if (!serviceNamePattern.test(name)) {
    throw new ScaffoldError(
      `"${name}" is not a function name: use lower-case letters, digits and "-", starting with a letter (at most 39)`,
    );
  }
  if (existsSync(join(root, 'functions', name))) {
    throw new ScaffoldError(`functions/${name} already exists`);
  }
  if (consumer !== undefined && !topicPattern.test(consumer)) {
    throw new ScaffoldError(
      `"${consumer}" is not a topic name: use letters, digits, ".", "_" and "-"`,
    );
  }
}

/**
 * Creates a working function: its folder (domain, schema, routes, service definition), a unit
 * test, its wrangler.toml environment and its Deno task (tasks are regenerated from every
 * function's declared port). Checks everything before writing; on a failure while writing it
 * removes what it wrote, so a refused or failed run changes nothing.
 */
export async function scaffold({ root, name, consumer }: ScaffoldOptions): Promise<ScaffoldResult> {
  check(root, name, consumer);
  const services = await loadServices(listFunctions(root));
  const port = Math.max(8786, ...services.map((service) => service.port)) + 1;
  const names = scaffoldNames(name, port, consumer);
  const files: Record<string, string> = {
    [`functions/${name}/domain.ts`]: domainTemplate(names),
    [`functions/${name}/schema.ts`]: schemaTemplate(names),
    [`functions/${name}/app.ts`]: appTemplate(names),
    [`functions/${name}/service.ts`]: serviceTemplate(names),
    [`test/unit/functions/${name}/app.test.ts`]: testTemplate(names),
  };
  const wranglerFile = join(root, 'wrangler.toml');
  const denoFile = join(root, 'deno.json');
  const [wrangler, deno] = await Promise.all([
    readFile(wranglerFile, 'utf8'),
    readFile(denoFile, 'utf8'),
  ]);
  const denoConfig = JSON.parse(deno) as { tasks?: Record<string, string> };
  const ports = [...services.map((s) => ({ name: s.name, port: s.port })), { name, port }];
  denoConfig.tasks = denoTasks(denoConfig.tasks ?? {}, ports);

  // Formatted as `npm run lint` expects, so the new function passes it untouched.
  const formatted = async (path: string, content: string) =>
    format(content, { ...(await resolveConfig(join(root, path))), filepath: join(root, path) });
  const contents = Object.fromEntries(
    await Promise.all(
      Object.entries(files).map(async ([path, content]) => [path, await formatted(path, content)]),
    ),
  ) as Record<string, string>;
  const denoText = await formatted('deno.json', JSON.stringify(denoConfig));

  const written: string[] = [];
  try {
    for (const [path, content] of Object.entries(contents)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), content, { flag: 'wx' });
      written.push(path);
    }
    await writeFile(wranglerFile, `${wrangler.trimEnd()}\n${wranglerSection(name)}`);
    await writeFile(denoFile, denoText);
  } catch (error) {
    await Promise.all(written.map((path) => rm(join(root, path), { force: true })));
    await rm(join(root, 'functions', name), { recursive: true, force: true });
    await writeFile(wranglerFile, wrangler);
    await writeFile(denoFile, deno);
    throw error;
  }
  return { port, created: Object.keys(files), changed: ['wrangler.toml', 'deno.json'] };
}
