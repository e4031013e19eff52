import * as z from 'zod';

/** The alphabet of ids and keys in paths: letters, digits, `.`, `_`, `:` and `-`, a letter or digit first. */
export const resourceIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/**
 * A zod schema of an id or key that may appear in a URL path: 1 to `max` characters of
 * {@link resourceIdPattern} (default 128), so no path parameter carries anything a store, a log
 * line or another URL could misread.
 * @example export const idParam = z.object({ id: resourceId() });
 */
export function resourceId(max = 128) {
  return z
    .string()
    .regex(
      new RegExp(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,${max - 1}}$`),
      `expected 1 to ${max} letters, digits, ".", "_", ":" or "-"`,
    );
}
