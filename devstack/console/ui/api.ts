/** A problem+json answer, with the fields a form shows inline. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly issues: readonly { path: string; message: string }[] = [],
  ) {
    super(detail);
  }
}

const tokenInput = () => document.getElementById('token') as HTMLInputElement | null;

/** The operator token typed in the header; kept for this tab only. */
export function operatorToken(): string {
  return tokenInput()?.value.trim() ?? '';
}

export function rememberToken(): void {
  const input = tokenInput();
  if (!input) return;
  input.value = sessionStorage.getItem('edgemesh-operator-token') ?? '';
  input.addEventListener('change', () =>
    sessionStorage.setItem('edgemesh-operator-token', input.value.trim()),
  );
}

const textOf = (value: unknown) => (typeof value === 'string' ? value : undefined);

async function answer<T>(response: Response): Promise<T> {
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    throw new ApiError(
      response.status,
      textOf(body.detail) ?? textOf(body.title) ?? response.statusText,
      Array.isArray(body.errors) ? (body.errors as { path: string; message: string }[]) : [],
    );
  }
  return body as T;
}

/** GET a console API path. */
export async function getJson<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { headers: { accept: 'application/json' } }));
}

/** A change: sends the operator token. */
export async function send<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const token = operatorToken();
  return answer<T>(
    await fetch(path, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
}

/** One line in the status region (read out by screen readers). */
export function say(text: string, error = false): void {
  const status = document.getElementById('status');
  if (!status) return;
  status.textContent = text;
  status.classList.toggle('error', error);
}
