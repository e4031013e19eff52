/** One page of the console: `mount` builds its frame and returns the refresh that fills it. */
export interface Panel {
  /** The hash route: `#/<id>/<params…>`. */
  readonly id: string;
  readonly title: string;
  mount(root: HTMLElement, params: readonly string[]): () => Promise<void>;
}

/** Numbers as the tables show them. */
export const fixed = (value: number | null | undefined, digits = 1, suffix = ''): string =>
  value === null || value === undefined ? '–' : `${value.toFixed(digits)}${suffix}`;
