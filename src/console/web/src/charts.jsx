// Time-series charts (uPlot): created once, fed new data in place on every poll, resized with
// their container, so a live page never flickers or rebuilds its charts.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

const COLORS = ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];

// series: [{label, values}], times: seconds since the epoch. `unit` labels the y axis.
export function TimeChart({ title, times, series, unit = "", height = 180, stacked = false }) {
  const box = useRef(null);
  const plot = useRef(null);
  const data = [times || [], ...series.map((s) => s.values || [])];
  const shape = series.map((s) => s.label).join("|");

  useEffect(() => {
    const width = Math.max(240, box.current.clientWidth);
    const opts = {
      width,
      height,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      // At least the last 5 minutes on the x axis, so a fresh server's few points read as time.
      scales: {
        x: { time: true, range: (u, min, max) => [Math.min(min ?? max, max - 300), max] },
        y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] },
      },
      axes: [{}, { label: unit, size: 56 }],
      series: [{}, ...series.map((s, i) => ({
        label: s.label,
        stroke: s.color || COLORS[i % COLORS.length],
        width: 1.5,
        fill: stacked ? (s.color || COLORS[i % COLORS.length]) + "22" : undefined,
        points: { show: false },
      }))],
    };
    plot.current = new uPlot(opts, data, box.current);
    const resize = new ResizeObserver(() => {
      const w = Math.max(240, box.current.clientWidth);
      if (plot.current && Math.abs(plot.current.width - w) > 2) plot.current.setSize({ width: w, height });
    });
    resize.observe(box.current);
    return () => { resize.disconnect(); plot.current.destroy(); plot.current = null; };
  }, [shape, height, unit]);

  useEffect(() => { if (plot.current) plot.current.setData(data); });

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} class="chart-box" />
    </figure>
  );
}

// Horizontal bars for a few named values (backlog per target, latency per target).
export function Bars({ title, items, unit = "", format = (v) => String(v) }) {
  const max = Math.max(1, ...items.map((i) => i.value || 0));
  return (
    <figure class="bars">
      <figcaption>{title}</figcaption>
      {items.length === 0 ? <p class="muted">Nothing yet.</p> : null}
      {items.map((i) => (
        <div class="bar-row" key={i.label} title={`${i.label}: ${format(i.value)}${unit}`}>
          <span class="bar-label">{i.label}</span>
          <span class="bar-track"><span class={"bar-fill " + (i.kind || "")} style={{ width: `${(100 * (i.value || 0)) / max}%` }} /></span>
          <span class="bar-value">{format(i.value)}{unit}</span>
        </div>
      ))}
    </figure>
  );
}
