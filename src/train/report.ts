// report.html: one self-describing page per run — loss curves as inline SVG, the sample pictures
// over time, the latest metrics and evaluations, the checkpoints and the config. Rebuilt from the
// run directory alone (`eikon report <run>`), and by the trainer at the end of a run.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { writeFileAtomic } from "../io/index.js";
import { listCheckpoints, bestCheckpointPath } from "./checkpoint.js";
import { readMetrics, readRunConfig, runPaths, type MetricsRecord } from "./run-dir.js";
import { formatValue } from "./progress.js";

/** Text content needs only &, < and > escaped. */
const escText = (s: string) => s.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!);
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

interface Series {
  label: string;
  color: string;
  points: [number, number][];
}

/** Keeps at most `max` points, evenly spaced (always the last). */
function thin(points: [number, number][], max: number): [number, number][] {
  if (points.length <= max) return points;
  const out: [number, number][] = [];
  const stride = points.length / max;
  for (let i = 0; i < max; i++) out.push(points[Math.floor(i * stride)]);
  out[out.length - 1] = points[points.length - 1];
  return out;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

/** A line chart of one or more series over steps, as an SVG element. */
export function svgChart(title: string, series: Series[], width = 560, height = 240): string {
  const pad = { l: 64, r: 12, t: 24, b: 32 };
  const all = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  if (all.length === 0) return "";
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y).sort((a, b) => a - b);
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1);
  // A robust y range: early spikes should not flatten the rest of the curve.
  let y0 = quantile(ys, 0.01), y1 = quantile(ys, 0.99);
  if (y1 - y0 < 1e-12) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const m = (y1 - y0) * 0.05;
  y0 -= m;
  y1 += m;
  const sx = (x: number) => pad.l + ((x - x0) / (x1 - x0)) * (width - pad.l - pad.r);
  const sy = (y: number) => pad.t + (1 - (Math.min(y1, Math.max(y0, y)) - y0) / (y1 - y0)) * (height - pad.t - pad.b);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => y0 + f * (y1 - y0));
  const grid = ticks
    .map((v) => `<line x1="${pad.l}" x2="${width - pad.r}" y1="${sy(v).toFixed(1)}" y2="${sy(v).toFixed(1)}" stroke="#ddd"/><text x="${pad.l - 6}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end" font-size="11">${esc(formatValue(v))}</text>`)
    .join("");
  const xticks = [0, 0.5, 1]
    .map((f) => Math.round(x0 + f * (x1 - x0)))
    .map((v) => `<text x="${sx(v).toFixed(1)}" y="${height - 10}" text-anchor="middle" font-size="11">${v}</text>`)
    .join("");
  const lines = series
    .map((s) => {
      const pts = thin(s.points.filter(([, y]) => Number.isFinite(y)), 1000);
      if (pts.length === 0) return "";
      if (pts.length === 1) return `<circle cx="${sx(pts[0][0]).toFixed(1)}" cy="${sy(pts[0][1]).toFixed(1)}" r="3" fill="${s.color}"/>`;
      const d = pts.map(([x, y], i) => `${i ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join("");
      return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`;
    })
    .join("");
  const legend = series
    .map((s, i) => `<text x="${width - pad.r - 4 - i * 60}" y="${pad.t - 8}" text-anchor="end" font-size="11" fill="${s.color}">${esc(s.label)}</text>`)
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}"><text x="${pad.l}" y="14" font-size="13" font-weight="bold">${esc(title)}</text>${legend}${grid}${xticks}${lines}<text x="${width / 2}" y="${height - 0}" font-size="10" text-anchor="middle" fill="#888">step</text></svg>`;
}

function seriesOf(records: MetricsRecord[], part: "train" | "eval", key: string): [number, number][] {
  return records.filter((r) => r[part] && typeof r[part]![key] === "number").map((r) => [r.step, r[part]![key]]);
}

function table(rows: [string, string][]): string {
  if (rows.length === 0) return "<p>(none)</p>";
  return `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}</table>`;
}

interface EvalLine {
  metric: string;
  value: number;
  unit?: string;
  step?: number;
  checkpoint?: string;
  time?: string;
  [k: string]: unknown;
}

function readEvals(path: string): EvalLine[] {
  if (!existsSync(path)) return [];
  const out: EvalLine[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    try {
      if (line.trim()) out.push(JSON.parse(line) as EvalLine);
    } catch {
      // torn last line
    }
  }
  return out;
}

/** The report page for a run directory. */
export function buildReport(root: string): string {
  const paths = runPaths(root);
  const cfg = readRunConfig(root);
  const records = readMetrics(paths.metrics);
  const lastStep = records.length ? records[records.length - 1].step : 0;
  const trainKeys = [...new Set(records.flatMap((r) => Object.keys(r.train ?? {})))];
  const evalKeys = [...new Set(records.flatMap((r) => Object.keys(r.eval ?? {})))];
  const charts = [...new Set([...trainKeys, ...evalKeys])]
    .map((k) =>
      svgChart(k, [
        { label: "train", color: "#1f77b4", points: seriesOf(records, "train", k) },
        { label: "eval", color: "#d62728", points: seriesOf(records, "eval", k) },
      ].filter((s) => s.points.length > 0)),
    )
    .filter((s) => s !== "")
    .join("\n");

  const pics = existsSync(paths.samples) ? readdirSync(paths.samples).filter((f) => /^step-\d+\.png$/.test(f)).sort() : [];
  const shown = pics.length <= 12 ? pics : Array.from({ length: 12 }, (_, i) => pics[Math.round((i * (pics.length - 1)) / 11)]);
  const latest = pics[pics.length - 1];
  const gallery = shown
    .map((f) => `<figure><img src="samples/${esc(f)}" alt="${esc(f)}" width="160"><figcaption>step ${Number(/\d+/.exec(f)![0])}</figcaption></figure>`)
    .join("");

  const lastTrain = [...records].reverse().find((r) => r.train);
  const lastEval = [...records].reverse().find((r) => r.eval);
  const metricRows: [string, string][] = [
    ...Object.entries(lastTrain?.train ?? {}).map(([k, v]) => [`train ${k} (step ${lastTrain!.step})`, formatValue(v)] as [string, string]),
    ...Object.entries(lastEval?.eval ?? {}).map(([k, v]) => [`eval ${k} (step ${lastEval!.step})`, formatValue(v)] as [string, string]),
  ];
  const evals = readEvals(paths.evals);
  const evalRows: [string, string][] = evals.map((e) => [`${e.metric}${e.step !== undefined ? ` (step ${e.step})` : ""}`, `${formatValue(e.value)}${e.unit ? ` ${e.unit}` : ""}`]);
  const ckpts = listCheckpoints(paths.checkpoints).map((c) => basename(c.path));
  if (existsSync(bestCheckpointPath(paths.checkpoints))) ckpts.push("best.safetensors");

  const title = `${cfg.family} — ${basename(root)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em;border-bottom:1px solid #ddd}
.charts{display:flex;flex-wrap:wrap;gap:12px}
figure{display:inline-block;margin:4px;text-align:center}figcaption{font-size:11px;color:#666}
img{image-rendering:pixelated;border:1px solid #ccc}
table{border-collapse:collapse}th,td{padding:2px 12px;border-bottom:1px solid #eee;text-align:left}th{font-weight:normal;color:#555}
pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}
</style></head><body>
<h1>${esc(title)}</h1>
<p>Model <b>${esc(cfg.family)}</b> on <b>${esc(cfg.data.spec ?? cfg.data.name)}</b>${cfg.data.subset ? ` (first ${cfg.data.subset} examples)` : ""}, seed ${cfg.seed}; step ${lastStep} of ${cfg.options.steps} logged.</p>
<h2>Losses</h2>
<div class="charts">${charts || "<p>(no metrics logged yet)</p>"}</div>
<h2>Samples</h2>
${latest ? `<figure><img src="samples/${esc(latest)}" alt="latest samples" width="420"><figcaption>latest (${esc(latest)})</figcaption></figure>` : "<p>(no sample pictures)</p>"}
<div>${pics.length > 1 ? gallery : ""}</div>
<h2>Metrics</h2>
${table(metricRows)}
<h2>Evaluations</h2>
${table(evalRows)}
<h2>Checkpoints</h2>
<p>${ckpts.length ? ckpts.map((c) => `<code>checkpoints/${esc(c)}</code>`).join(", ") : "(none)"}</p>
<h2>Config</h2>
<pre>${escText(JSON.stringify(cfg, null, 2))}</pre>
</body></html>
`;
}

/** Writes (atomically) and returns the path of report.html. */
export async function writeReport(root: string): Promise<string> {
  const html = buildReport(root);
  const path = runPaths(root).report;
  await writeFileAtomic(path, html);
  return path;
}
