import * as z from 'zod';
import { EdgeMeshError } from '../../shared/errors/index.ts';

/** Which bytes a fault slows: client → target (`upstream`), target → client (`downstream`). */
export type Direction = 'upstream' | 'downstream' | 'both';

const direction = z.enum(['upstream', 'downstream', 'both']);
const milliseconds = z.number().int().min(0).max(600_000);

/**
 * The faults a TCP fault proxy applies; every field is optional and an empty object is "off".
 * Names follow Toxiproxy's toxics (latency with jitter, bandwidth, reset_peer, timeout).
 */
export const tcpFaultsSchema = z
  .object({
    /** Added to every chunk in `latencyDirection`, ms; a round trip over `both` pays it twice. */
    latencyMs: milliseconds.optional(),
    /** Each chunk's delay is latencyMs ± up to jitterMs (uniform, never below 0), ms. */
    jitterMs: milliseconds.optional(),
    /** Default `both`. */
    latencyDirection: direction.optional(),
    /** At most this many bytes per second per connection in `bandwidthDirection`. */
    bandwidthBytesPerSecond: z.number().int().min(1).optional(),
    /** Default `both`. */
    bandwidthDirection: direction.optional(),
    /**
     * Close connections with a TCP RST: `existing` resets those open when the faults are set,
     * `new` resets each connection as it is accepted, `all` does both.
     */
    reset: z.enum(['new', 'existing', 'all']).optional(),
    /**
     * Accept connections and never forward or answer; bytes on open connections are dropped.
     * When it ends, connections that lost bytes are reset (their streams are corrupt).
     */
    blackhole: z.boolean().optional(),
    /** Clears these faults by itself after this many ms (a forgotten experiment ends). */
    forMs: z
      .number()
      .int()
      .min(1)
      .max(24 * 3_600_000)
      .optional(),
  })
  .strict();

/** The faults a TCP fault proxy applies; `{}` means none. */
export type TcpFaults = z.infer<typeof tcpFaultsSchema>;

/**
 * Validates faults from JSON or code; an invalid field is refused with its name.
 * @example parseTcpFaults({ latencyMs: 200, jitterMs: 50 })
 */
export function parseTcpFaults(input: unknown): TcpFaults {
  const parsed = tcpFaultsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    // An unknown field is named by the field itself, not by the object holding it.
    path:
      issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.') || '(root)',
    message: issue.message,
  }));
  const first = issues[0]!;
  throw new EdgeMeshError('VALIDATION', `invalid faults: ${first.path}: ${first.message}`, {
    issues,
  });
}

/** Whether faults in `direction` affect bytes moving `way`. */
export function applies(direction: Direction | undefined, way: 'upstream' | 'downstream'): boolean {
  return direction === undefined || direction === 'both' || direction === way;
}

/** True when nothing is injected. */
export function isOff(faults: TcpFaults): boolean {
  return (
    !faults.latencyMs &&
    !faults.jitterMs &&
    faults.bandwidthBytesPerSecond === undefined &&
    faults.reset === undefined &&
    !faults.blackhole
  );
}
