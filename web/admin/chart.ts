// The history as an SVG line chart, drawn here so the page loads nothing from elsewhere (the
// CSP allows only our own files). Two lines over the days: all users, and users with MFA.
// Colours come from the stylesheet (classes), not inline styles, which the CSP forbids.

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 44 };

export interface ChartPoint {
  date: string;
  users: number;
  withMfa: number;
}

export interface ChartText {
  users: string;
  withMfa: string;
  /** The chart's accessible name. */
  label: string;
}

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attributes: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

/** A round step for the y axis: 1, 2 or 5 times a power of ten, about four ticks high. */
function step(max: number): number {
  const rough = Math.max(1, max / 4);
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

export function renderChart(host: HTMLElement, points: ChartPoint[], text: ChartText): void {
  const svg = el('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-label': text.label,
    class: 'chart-svg',
  });
  const max = Math.max(1, ...points.map((p) => p.users));
  const yStep = step(max);
  const yMax = Math.ceil(max / yStep) * yStep;
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) =>
    PAD.left + (points.length <= 1 ? innerW : (i / (points.length - 1)) * innerW);
  const y = (v: number) => PAD.top + innerH - (v / yMax) * innerH;

  for (let v = 0; v <= yMax; v += yStep) {
    svg.append(
      el('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v), class: 'grid' }),
    );
    const label = el('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' });
    label.textContent = String(v);
    svg.append(label);
  }
  const first = points[0];
  const last = points.at(-1);
  if (first && last) {
    for (const [i, p, anchor] of [
      [0, first, 'start'],
      [points.length - 1, last, 'end'],
    ] as const) {
      const label = el('text', { x: x(i), y: HEIGHT - 8, 'text-anchor': anchor, class: 'axis' });
      label.textContent = p.date;
      svg.append(label);
    }
  }
  const line = (values: number[], className: string) =>
    el('polyline', {
      points: values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' '),
      class: className,
      fill: 'none',
    });
  svg.append(
    line(
      points.map((p) => p.users),
      'line-users',
    ),
  );
  svg.append(
    line(
      points.map((p) => p.withMfa),
      'line-mfa',
    ),
  );

  const legend = document.createElement('ul');
  legend.className = 'legend';
  for (const [className, name] of [
    ['key-users', text.users],
    ['key-mfa', text.withMfa],
  ]) {
    const item = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = `swatch ${className}`;
    swatch.setAttribute('aria-hidden', 'true');
    item.append(swatch, document.createTextNode(name ?? ''));
    legend.append(item);
  }
  host.replaceChildren(svg, legend);
}
