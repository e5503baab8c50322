// eikon report <run>: rebuild report.html (loss curves, sample pictures, metrics, config).
import { Command } from "commander";
import { trainLayer } from "./lazy.js";
import type { Output } from "./output.js";

export function reportCommand(io: Output): Command {
  return new Command("report")
    .description("rebuild a run's report.html: loss curves as inline SVG, sample pictures, metrics and config")
    .argument("<run>", "run directory written by `eikon train`")
    .action(async (run: string) => {
      const { writeReport } = await trainLayer();
      io.out(`${await writeReport(run)}\n`);
    });
}
