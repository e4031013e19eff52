/** The Deno task that serves one function locally on its declared port. */
export function devTask(name: string, port: number): string {
  return `deno serve --allow-net --allow-env --allow-read --host 127.0.0.1 --port ${port} functions/${name}/service.ts`;
}

/**
 * deno.json's tasks with one `dev:<name>` per function, from each function's declared port (the
 * same port `npm start` gives it), sorted by name; other tasks are kept as they are.
 */
export function denoTasks(
  current: Readonly<Record<string, string>>,
  functions: readonly { name: string; port: number }[],
): Record<string, string> {
  const others = Object.entries(current).filter(([task]) => !task.startsWith('dev:'));
  const dev = [...functions]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(({ name, port }) => [`dev:${name}`, devTask(name, port)] as const);
  return Object.fromEntries([...others, ...dev]);
}
