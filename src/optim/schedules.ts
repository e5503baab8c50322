// Learning-rate schedules: host-side functions step → lr (PyTorch's lr_scheduler values in
// closed form). The step feeds the value into the compiled step as a scalar tensor, so a
// changing rate never recompiles.
export type Schedule = (step: number) => number;

export function constant(lr: number): Schedule {
  return () => lr;
}

/** StepLR: lr·γ^⌊step/stepSize⌋. */
export function stepDecay(opts: { lr: number; stepSize: number; gamma?: number }): Schedule {
  const gamma = opts.gamma ?? 0.1;
  return (step) => opts.lr * gamma ** Math.floor(step / opts.stepSize);
}

/** ExponentialLR: lr·γ^step. */
export function exponential(opts: { lr: number; gamma: number }): Schedule {
  return (step) => opts.lr * opts.gamma ** step;
}

/** CosineAnnealingLR: ηmin + (lr − ηmin)(1 + cos(π·step/tMax))/2 (past tMax it keeps following the cosine, as PyTorch). */
export function cosine(opts: { lr: number; tMax: number; etaMin?: number }): Schedule {
  const etaMin = opts.etaMin ?? 0;
  return (step) => etaMin + ((opts.lr - etaMin) * (1 + Math.cos((Math.PI * step) / opts.tMax))) / 2;
}

/** LinearLR: lr·(start + (end − start)·min(step, totalIters)/totalIters); PyTorch's defaults 1/3 → 1 over 5 steps. */
export function linearWarmup(opts: { lr: number; startFactor?: number; endFactor?: number; totalIters?: number }): Schedule {
  const start = opts.startFactor ?? 1 / 3;
  const end = opts.endFactor ?? 1;
  const total = opts.totalIters ?? 5;
  return (step) => opts.lr * (start + ((end - start) * Math.min(step, total)) / total);
}

/** SequentialLR: schedules[k] runs from milestones[k−1] on, counting its own steps from 0 there. */
export function sequence(schedules: readonly Schedule[], milestones: readonly number[]): Schedule {
  if (schedules.length !== milestones.length + 1) throw new Error(`sequence: ${schedules.length} schedules need ${schedules.length - 1} milestones, got ${milestones.length}`);
  if (milestones.some((m, i) => i > 0 && m <= milestones[i - 1])) throw new Error("sequence: milestones must increase");
  return (step) => {
    let k = 0;
    while (k < milestones.length && step >= milestones[k]) k++;
    return schedules[k](k === 0 ? step : step - milestones[k - 1]);
  };
}

/** Linear warm-up from startFactor·lr to lr over `warmup` steps, then cosine decay to etaMin at `total`. */
export function warmupCosine(opts: { lr: number; warmup: number; total: number; startFactor?: number; etaMin?: number }): Schedule {
  if (!(opts.total > opts.warmup && opts.warmup >= 0)) throw new Error(`warmupCosine: need 0 ≤ warmup < total, got warmup ${opts.warmup}, total ${opts.total}`);
  const decay = cosine({ lr: opts.lr, tMax: opts.total - opts.warmup, etaMin: opts.etaMin });
  if (opts.warmup === 0) return decay;
  return sequence([linearWarmup({ lr: opts.lr, startFactor: opts.startFactor ?? 1 / 3, totalIters: opts.warmup }), decay], [opts.warmup]);
}
