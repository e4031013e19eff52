import { readFileSync } from 'node:fs';

/** The exact version package.json pins `name` to, as an engine names itself in the table. */
export function pinnedVersion(name: string): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const version = manifest.devDependencies?.[name] ?? manifest.dependencies?.[name];
  if (!version) throw new Error(`package.json does not pin ${name}`);
  return version;
}
