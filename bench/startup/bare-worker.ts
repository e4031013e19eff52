// The anchor of `npm run bench -- startup`: a bare Hono app with the Neon driver, nothing else.
import { neon, neonConfig } from '@neondatabase/serverless';
import { Hono } from 'hono';

type Bindings = { DATABASE_URL: string; NEON_FETCH_ENDPOINT?: string };

const app = new Hono<{ Bindings: Bindings }>();
app.get('/health', async (c) => {
  // Locally the driver posts to the devstack's Neon endpoint, as every function's does.
  if (c.env.NEON_FETCH_ENDPOINT) neonConfig.fetchEndpoint = c.env.NEON_FETCH_ENDPOINT;
  await neon(c.env.DATABASE_URL)`select 1`;
  return c.json({ status: 'ok' });
});

export default app;
