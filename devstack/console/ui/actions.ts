import { ApiError, say } from './api.ts';
import { h } from './dom.ts';

/**
 * A button that runs a change, says what happened in the status region and refreshes the panel;
 * `key` keeps its focus across live updates.
 */
export function action(
  label: string,
  key: string,
  run: () => Promise<string>,
  refresh: () => Promise<void>,
  { danger = false, describe }: { danger?: boolean; describe?: string } = {},
): HTMLButtonElement {
  return h(
    'button',
    {
      type: 'button',
      class: danger ? 'danger' : null,
      'data-key': key,
      'aria-label': describe ?? null,
      onClick: () => {
        say(`${label}…`);
        run().then(
          async (done) => {
            say(done);
            await refresh();
          },
          (error: unknown) =>
            say(
              error instanceof ApiError
                ? `${label} failed: ${error.detail}`
                : `${label} failed: ${String(error)}`,
              true,
            ),
        );
      },
    },
    label,
  );
}
