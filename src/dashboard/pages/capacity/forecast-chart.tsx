import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatNumber, formatTime } from '../../lib/format.ts';
import { cssColor, PALETTE } from '../../lib/time-chart.tsx';
import { type CapacityForecast, type ForecastColumns, forecastColumns } from './model.ts';

const HEIGHT = 260;
const FORECAST = PALETTE[3] as string;
/** The forecast's colour, faint: the 95 % band, and the 80 % band over it, darker where they overlap. */
const BAND_FILL = 'rgba(168, 110, 224, 0.18)';
const slots = (v: number) => formatNumber(v, 1);

/** The series drawn, in the order of the data's columns after x. */
function seriesOptions(): uPlot.Series[] {
  const value = (_u: uPlot, v: number | null) => (v === null ? '—' : slots(v));
  const edge = (label: string): uPlot.Series => ({ label, stroke: BAND_FILL, width: 1, value });
  return [
    {},
    { label: 'demand', stroke: PALETTE[0], width: 1.5, value },
    { label: 'busy', stroke: PALETTE[5], width: 1, value },
    { label: 'supply', stroke: PALETTE[2], width: 1.5, value },
    { label: 'forecast', stroke: FORECAST, width: 2, value },
    edge('80 % low'),
    edge('80 % high'),
    edge('95 % low'),
    edge('95 % high'),
    { label: 'live slots', stroke: PALETTE[2], dash: [2, 3], width: 1, value },
    { label: 'threshold', stroke: '#d33', dash: [6, 4], width: 1, value },
  ];
}

function dataOf(c: ForecastColumns): uPlot.AlignedData {
  return [
    c.x.map((ms) => ms / 1000),
    c.demand,
    c.busy,
    c.supply,
    c.value,
    c.lower80,
    c.upper80,
    c.lower95,
    c.upper95,
    c.x.map(() => c.live),
    c.x.map(() => c.threshold),
  ];
}

/** What the chart draws, in words, for those who cannot see the canvas. */
export function describeForecast(f: CapacityForecast, title: string): string {
  const lastDemand = f.history.findLast((p) => p.demand !== null)?.demand ?? null;
  const parts = [
    `demand: latest ${lastDemand === null ? 'none' : slots(lastDemand)}`,
    f.peak === null
      ? 'no forecast'
      : `forecast peak ${slots(f.peak.value)} (up to ${slots(f.peak.upper)}) at ${formatTime(f.peak.at)}`,
    `live slots ${slots(f.current_capacity)}`,
    `threshold ${slots((f.current_capacity * f.threshold_pct) / 100)} (${f.threshold_pct} %)`,
  ];
  return `${title}. ${parts.join('; ')}`;
}

/**
 * The demand forecast against what happened: demand, busy slots and supply up to the interval
 * in progress, then the point forecast inside its 80 % and 95 % bands, with the live slots and
 * the threshold's share of them drawn across the whole range.
 */
export function ForecastChart({ forecast, title }: { forecast: CapacityForecast; title: string }) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = dataOf(forecastColumns(forecast));

  useEffect(() => {
    const element = container.current;
    if (element === null) return;
    const axisColor = cssColor('--muted', '#777');
    const gridColor = cssColor('--grid', 'rgba(128,128,128,0.2)');
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height: HEIGHT,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        // Demand and slots are never negative, though a wide interval's lower bound can be.
        y: { range: (_u, _min, max) => [0, uPlot.rangeNum(0, Math.max(1, max), 0.1, true)[1]] },
      },
      axes: [
        { stroke: axisColor, grid: { stroke: gridColor } },
        {
          stroke: axisColor,
          grid: { stroke: gridColor },
          size: 60,
          values: (_u, splits) => splits.map((v) => slots(v)),
        },
      ],
      series: seriesOptions(),
      // Upper edge first: the 95 % band (columns 8 and 7), then the 80 % one (6 and 5).
      bands: [
        { series: [8, 7], fill: BAND_FILL },
        { series: [6, 5], fill: BAND_FILL },
      ],
    };
    plot.current = new uPlot(options, data, element);
    const resize = new ResizeObserver(() => {
      plot.current?.setSize({ width: Math.max(200, element.clientWidth), height: HEIGHT });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(data);
  });

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={container} role="img" aria-label={describeForecast(forecast, title)} />
    </figure>
  );
}
