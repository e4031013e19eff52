import uPlot from 'uplot';
import { h } from './dom.ts';

/**
 * A small time-series chart (uPlot). The element carries a text label with the newest value,
 * for screen readers; the canvas itself is decoration.
 */
export function sparkline(
  label: string,
  times: readonly number[],
  values: readonly (number | null)[],
  unit: string,
): HTMLElement {
  const newest = [...values].reverse().find((v) => v !== null);
  const text = `${label}: ${newest === undefined || newest === null ? 'no data' : `${newest.toFixed(2)} ${unit}`} now, ${values.length} samples`;
  const box = h('span', { class: 'spark', role: 'img', 'aria-label': text, title: text });
  if (times.length < 2) return box;
  const plot = new uPlot(
    {
      width: 150,
      height: 36,
      legend: { show: false },
      cursor: { show: false },
      axes: [{ show: false }, { show: false }],
      scales: { x: { time: true } },
      series: [
        {},
        { stroke: '#1f5fbf', width: 1.5, fill: 'rgba(31,95,191,0.12)', points: { show: false } },
      ],
    },
    [times as number[], values as number[]],
    box,
  );
  plot.root.setAttribute('aria-hidden', 'true');
  return box;
}
