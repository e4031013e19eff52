/** The Deno task that serves one function locally on its declared port. */
export function devTask(name: string, port: number): string {
  return `deno serve --allow-net --allow-env --allow-read --host 127.0.0.1 --port ${port} functions/${name}/service.ts`;
}

/**
 * The Deno task that deploys one function to its Deno Deploy app (`edgemesh-<name>`, created once
 * with `deno deploy create`; the organization comes from DENO_DEPLOY_ORG).
 */
export function deployTask(name: string): string {
  return `deno deploy --app edgemesh-${name} --prod`;
}

/**
 * deno.json's tasks with one `dev:<name>` and one `deploy:<name>` per function, from each
 * function's declared port (the same port `npm start` gives it), sorted by name; other tasks are
 * kept as they are.
 */
export function denoTasks(
  current: Readonly<Record<string, string>>,
  functions: readonly { name: string; port: number }[],
): Record<string, string> {
  const others = Object.entries(current).filter(
    ([task]) => !task.startsWith('dev:') && !task.startsWith('deploy:'),
  );
  const sorted = [...functions].sort((a, b) => a.name.localeCompare(b.name));
  const dev = sorted.map(({ name, port }) => [`dev:${name}`, devTask(name, port)] as const);
  const deploy = sorted.map(({ name }) => [`deploy:${name}`, deployTask(name)] as const);
  return Object.fromEntries([...others, ...dev, ...deploy]);
}
