// Progress while training: a cli-progress bar on a terminal (step, rate, ETA, latest losses),
// plain periodic lines otherwise (logs, CI), nothing when quiet. Messages (checkpoints, evaluations)
// print above the bar.
import cliProgress from "cli-progress";

export type ProgressMode = "auto" | "bar" | "lines" | "none";

export interface ProgressReporter {
  start(total: number, step: number): void;
  update(step: number, values: Record<string, number>): void;
  /** A line for the user (kept out of the bar's way). */
  message(line: string): void;
  stop(): void;
}

/** 4 significant digits, compact. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** A per-dimension series (kl_dim_07, …): logged to metrics.jsonl, too many to print. */
const isSeries = (name: string): boolean => /_\d+$/.test(name);

/** The values worth printing: everything but per-dimension series. */
export function headlineValues(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).filter(([k]) => !isSeries(k)));
}

function formatValues(values: Record<string, number>, max = 4): string {
  return Object.entries(headlineValues(values))
    .slice(0, max)
    .map(([k, v]) => `${k} ${formatValue(v)}`)
    .join("  ");
}

/** Steps per second over the recent past (a window of the last ~20 updates). */
class Rate {
  private readonly marks: [number, number][] = [];
  mark(step: number): void {
    if (this.marks.length && step < this.marks[this.marks.length - 1][0]) this.marks.length = 0; // rolled back
    this.marks.push([step, performance.now()]);
    if (this.marks.length > 20) this.marks.shift();
  }
  get perSecond(): number {
    if (this.marks.length < 2) return NaN;
    const [s0, t0] = this.marks[0];
    const [s1, t1] = this.marks[this.marks.length - 1];
    return t1 > t0 ? ((s1 - s0) * 1000) / (t1 - t0) : NaN;
  }
}

class BarReporter implements ProgressReporter {
  private bar: cliProgress.SingleBar;
  private total = 0;
  private started = false;
  private readonly rate = new Rate();
  constructor(private readonly stream: NodeJS.WriteStream) {
    this.bar = new cliProgress.SingleBar(
      {
        format: "step {value}/{total} |{bar}| {percentage}% | {rate} it/s | ETA {etaText} | {values}",
        stream,
        hideCursor: true,
        clearOnComplete: false,
        barsize: 24,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
  }
  start(total: number, step: number): void {
    this.total = total;
    this.rate.mark(step);
    this.bar.start(total, step, { rate: "-", etaText: "?", values: "" });
    this.started = true;
  }
  update(step: number, values: Record<string, number>): void {
    this.rate.mark(step);
    const r = this.rate.perSecond;
    this.bar.update(step, { rate: Number.isFinite(r) ? r.toFixed(1) : "-", etaText: formatDuration((this.total - step) / r), values: formatValues(values) });
  }
  message(line: string): void {
    // Clear the bar's line, print, and let the next update redraw the bar below.
    this.stream.write(`\r\x1b[K${line}\n`);
    if (this.started) this.bar.render();
  }
  stop(): void {
    if (this.started) this.bar.stop();
    this.started = false;
  }
}

class LineReporter implements ProgressReporter {
  private total = 0;
  private last = -Infinity;
  private readonly rate = new Rate();
  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly intervalMs: number,
  ) {}
  start(total: number, step: number): void {
    this.total = total;
    this.rate.mark(step);
    this.stream.write(`training: step ${step}/${total}\n`);
  }
  update(step: number, values: Record<string, number>): void {
    this.rate.mark(step);
    const now = performance.now();
    if (now - this.last < this.intervalMs && step < this.total) return;
    this.last = now;
    const r = this.rate.perSecond;
    const pct = this.total > 0 ? Math.floor((100 * step) / this.total) : 100;
    const rate = Number.isFinite(r) ? `${r.toFixed(1)} it/s` : "- it/s";
    this.stream.write(`step ${step}/${this.total} (${pct}%) | ${rate} | ETA ${formatDuration((this.total - step) / r)} | ${formatValues(values, 8)}\n`);
  }
  message(line: string): void {
    this.stream.write(line + "\n");
  }
  stop(): void {}
}

class SilentReporter implements ProgressReporter {
  start(): void {}
  update(): void {}
  message(): void {}
  stop(): void {}
}

/** A reporter for the mode: "auto" is a bar on a TTY and lines otherwise. */
export function createProgress(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr, intervalMs = 5000): ProgressReporter {
  if (mode === "none") return new SilentReporter();
  if (mode === "bar" || (mode === "auto" && stream.isTTY)) return new BarReporter(stream);
  return new LineReporter(stream, intervalMs);
}
