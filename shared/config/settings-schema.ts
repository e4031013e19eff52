import type * as z from 'zod';
import { EdgeMeshError, type FieldIssue } from '../errors/edgemesh-error.ts';
import { isPlainObject, type SettingsDocument } from './settings-document.ts';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  getter?: () => z.ZodType;
  valueType?: z.ZodType;
  options?: readonly z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The object schemas a value at this node may be checked against, through wrappers. */
function objectShapes(schema: z.ZodType, depth = 0): Def[] | 'any' {
  if (depth > 32) return 'any';
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      return [def];
    case 'record':
      return 'any';
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return objectShapes(def.innerType!, depth + 1);
    case 'pipe':
      return objectShapes(def.in!, depth + 1);
    case 'lazy':
      return objectShapes(def.getter!(), depth + 1);
    case 'union': {
      const shapes: Def[] = [];
      for (const option of def.options ?? []) {
        const found = objectShapes(option, depth + 1);
        if (found === 'any') return 'any';
        shapes.push(...found);
      }
      return shapes;
    }
    case 'intersection': {
      const [left, right] = [
        objectShapes(def.left!, depth + 1),
        objectShapes(def.right!, depth + 1),
      ];
      return left === 'any' || right === 'any' ? 'any' : [...left, ...right];
    }
    default:
      return [];
  }
}

/**
 * Paths of `document` that `schema` does not declare: a typo in a settings document must be an
 * error, not a setting silently dropped by zod's default stripping. Records and objects with a
 * catchall accept any key.
 */
export function unknownSettingPaths(schema: z.ZodType, document: unknown, prefix = ''): string[] {
  if (!isPlainObject(document)) return [];
  const shapes = objectShapes(schema);
  if (shapes === 'any' || shapes.length === 0) return [];
  if (shapes.some((def) => def.catchall && defOf(def.catchall).type !== 'never')) return [];
  const unknown: string[] = [];
  for (const [name, value] of Object.entries(document)) {
    const path = prefix ? `${prefix}.${name}` : name;
    const children = shapes.map((def) => def.shape?.[name]).filter((s) => s !== undefined);
    if (children.length === 0) unknown.push(path);
    else if (children.every((child) => unknownSettingPaths(child, value, path).length > 0)) {
      unknown.push(...unknownSettingPaths(children[0]!, value, path));
    }
  }
  return unknown;
}

/** zod's issues as field issues with dotted paths; unrecognised keys become one issue each. */
export function fieldIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  const join = (path: readonly PropertyKey[]) =>
    [prefix, ...path.map(String)].filter((part) => part !== '').join('.') || '(document)';
  return error.issues.flatMap((issue): FieldIssue[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: join([...issue.path, key]), message: 'unknown setting' }))
      : [{ path: join(issue.path), message: issue.message }],
  );
}

/** Parsed settings, or every reason they are refused. */
export type SettingsCheck<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/**
 * Checks a service's effective document (global merged with its own): no unknown path in the
 * service's own document, and the schema accepts the merged one (defaults applied).
 */
export function checkSettings<Schema extends z.ZodType>(
  schema: Schema,
  merged: SettingsDocument,
  own: SettingsDocument,
): SettingsCheck<z.output<Schema>> {
  const unknown = unknownSettingPaths(schema, own).map((path) => ({
    path,
    message: 'unknown setting',
  }));
  const parsed = schema.safeParse(merged);
  const issues = [...unknown, ...(parsed.success ? [] : fieldIssues(parsed.error))];
  const unique = [...new Map(issues.map((issue) => [issue.path, issue])).values()];
  if (unique.length > 0 || !parsed.success) return { ok: false, issues: unique };
  return { ok: true, value: parsed.data };
}

/** The VALIDATION error of a refused change: every bad field named, on one line. */
export function settingsValidationError(
  scope: string,
  issues: readonly FieldIssue[],
): EdgeMeshError {
  const list = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  return new EdgeMeshError('VALIDATION', `${scope}: invalid settings: ${list}`, {
    issues,
    extensions: { scope },
  });
}
