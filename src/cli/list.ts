// eikon list: model families, datasets and metrics, one line each.
import { Command } from "commander";
import { modelsLayer, trainLayer } from "./lazy.js";
import type { Output } from "./output.js";

export function listCommand(io: Output): Command {
  return new Command("list")
    .description("list the model families, datasets and metrics")
    .action(async () => {
      const { listFamilies } = await modelsLayer();
      const { listMetrics } = await trainLayer();
      const { datasets } = await import("../data/index.js");
      const lines: string[] = [];
      const section = (title: string, rows: [string, string][]) => {
        lines.push(`${title}:`);
        const w = Math.max(0, ...rows.map(([k]) => k.length));
        for (const [k, v] of rows) lines.push(`  ${k.padEnd(w)}  ${v}`);
        if (rows.length === 0) lines.push("  (none)");
        lines.push("");
      };
      section("models", listFamilies().sort((a, b) => a.name.localeCompare(b.name)).map((f) => [f.name, f.description]));
      section("datasets (--data)", Object.entries(datasets).map(([name, d]) => [name === "toy" ? "toy:<name>" : (d.usage[0] ?? name).replace(/\[.*$/, ""), d.description]));
      section("metrics (eikon eval --metric)", listMetrics().map((m) => [m.aliases?.length ? `${m.name} (or ${m.aliases.join(", ")})` : m.name, m.description]));
      io.out(lines.join("\n"));
    });
}
