import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Mid-tone colours that read on both the light and the dark scheme. */
export const PALETTE = ['#2f7ed8', '#e4572e', '#29a36a', '#a86ee0', '#d9a31a', '#17a2b8'];

export interface ChartSeries {
  label: string;
  /** One value per `x`, null where there is none. */
  values: (number | null)[];
  color?: string;
}

export interface TimeChartProps {
  /** Accessible name: what the chart shows. */
  title: string;
  /** Times in epoch milliseconds, ascending. */
  x: number[];
  series: ChartSeries[];
  /** Drawn as a dashed line: the SLA threshold the series is judged against. */
  threshold?: number | null;
  height?: number;
  /** How a value is written on the axis and in the legend. */
  format?: (value: number) => string;
}

/** A colour of the page's scheme (a CSS custom property), for what uPlot draws on its canvas. */
export function cssColor(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

/** A one-line summary of the chart for screen readers, who cannot see the canvas. */
export function describeChart({
  title,
  series,
  format = String,
}: Pick<TimeChartProps, 'title' | 'series' | 'format'>) {
  const parts = series.map((s) => {
    const values = s.values.filter((v): v is number => v !== null && Number.isFinite(v));
    if (values.length === 0) return `${s.label}: no data`;
    const last = values[values.length - 1] as number;
    return `${s.label}: latest ${format(last)}, low ${format(Math.min(...values))}, high ${format(Math.max(...values))}`;
  });
  return `${title}. ${parts.join('; ')}`;
}

/**
 * A time series drawn with uPlot (the chart engine of Grafana's panels): canvas, fast with
 * thousands of points, resized with its container.
 */
export function TimeChart({ title, x, series, threshold = null, height = 160, format }: TimeChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  const xs = x.map((ms) => ms / 1000);
  const data: uPlot.AlignedData = [
    xs,
    ...series.map((s) => s.values),
    ...(threshold === null ? [] : [xs.map(() => threshold)]),
  ];
  const shape = `${series.map((s) => s.label).join('|')}|${threshold === null}`;

  useEffect(() => {
    const element = container.current;
    if (element === null) return;
    const axisColor = cssColor('--muted', '#777');
    const gridColor = cssColor('--grid', 'rgba(128,128,128,0.2)');
    const valueFormat = format ?? ((v: number) => String(v));
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: axisColor, grid: { stroke: gridColor } },
        {
          stroke: axisColor,
          grid: { stroke: gridColor },
          size: 60,
          values: (_u, splits) => splits.map((v) => valueFormat(v)),
        },
      ],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? PALETTE[i % PALETTE.length],
          width: 1.5,
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : valueFormat(v)),
        })),
        ...(threshold === null ? [] : [{ label: 'threshold', stroke: '#d33', dash: [6, 4], width: 1 }]),
      ],
    };
    plot.current = new uPlot(options, data, element);
    const resize = new ResizeObserver(() => {
      plot.current?.setSize({ width: Math.max(200, element.clientWidth), height });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div
        ref={container}
        role="img"
        aria-label={describeChart({ title, series, ...(format ? { format } : {}) })}
      />
    </figure>
  );
}
