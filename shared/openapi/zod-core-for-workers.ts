// What `@standard-community/standard-json` (under hono-openapi) takes from `zod/v4/core`: only
// `toJSONSchema`. wrangler.toml aliases `zod/v4/core` here, because a dynamic import of the
// whole core namespace makes esbuild keep every zod locale (about 70 KiB gzip per worker).
export { toJSONSchema } from 'zod';
