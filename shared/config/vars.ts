import { z } from 'zod';

const nonEmpty = z.string().trim().min(1);

/** A postgres:// or postgresql:// connection string. */
export const postgresUrl = nonEmpty.refine((value) => /^postgres(ql)?:\/\/[^/]+/.test(value), {
  message: 'expected postgres://user:password@host/database',
});

/** An http(s) URL. */
export const httpUrl = z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' });

/** Postgres, Redis and the local endpoints every function that stores state needs. */
export const storageVars = z.object({
  DATABASE_URL: postgresUrl,
  NEON_FETCH_ENDPOINT: httpUrl.optional(),
  NEON_WS_PROXY: nonEmpty
    .refine((value) => !/^\w+:\/\//.test(value), { message: 'expected host:port/path, no scheme' })
    .optional(),
  UPSTASH_REDIS_REST_URL: httpUrl,
  UPSTASH_REDIS_REST_TOKEN: nonEmpty,
});

export type StorageConfig = z.infer<typeof storageVars>;
