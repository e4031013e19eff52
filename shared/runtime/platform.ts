/** Which host this isolate runs on, read from its globals. */
export function currentPlatform(): 'workerd' | 'deno' | 'node' {
  const global = globalThis as { Deno?: unknown; process?: { versions?: { node?: string } } };
  if (global.Deno !== undefined) return 'deno';
  if (typeof navigator !== 'undefined' && navigator.userAgent === 'Cloudflare-Workers') {
    return 'workerd';
  }
  return global.process?.versions?.node ? 'node' : 'workerd';
}
