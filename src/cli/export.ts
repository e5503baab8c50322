// eikon export <run> --onnx out.onnx [--part decoder|generator|density|encoder]: a standalone ONNX
// model with the weights baked in, checked against Eikon's own query before it is written.
import { Command, Option } from "commander";
import type { HostArray } from "../engine/index.js";
import type { ExportPart } from "../train/index.js";
import { asUsage } from "./errors.js";
import { modelsLayer, trainLayer } from "./lazy.js";
import type { Output } from "./output.js";
import { positiveInt } from "./parse.js";

interface ExportFlags {
  onnx: string;
  part?: ExportPart;
  batch: number;
  checkpoint: string;
  verify: boolean;
}

/** The --part choices (train's EXPORT_PARTS keys, listed here so that --help loads nothing heavy). */
export const PARTS: readonly ExportPart[] = ["decoder", "generator", "density", "encoder"];

export function exportCommand(io: Output): Command {
  return new Command("export")
    .description("export part of a trained model as standalone ONNX (weights as initializers)")
    .argument("<run>", "run directory written by `eikon train`")
    .requiredOption("--onnx <file>", "the .onnx file to write")
    .addOption(new Option("--part <part>", "what to export (default: decoder if the model has one, else generator)").choices(PARTS))
    .option("--batch <n>", "batch size fixed in the graph's shapes", positiveInt, 1)
    .option("--checkpoint <which>", "latest, best, or a checkpoint file", "latest")
    .option("--no-verify", "skip running the exported model against Eikon's own query")
    .action(async (run: string, flags: ExportFlags) => {
      await modelsLayer();
      const { exportOnnx, loadRun } = await trainLayer();
      const { nativeBackend } = await import("../engine/index.js");
      const { writeFileAtomic } = await import("../io/index.js");
      const { model, checkpoint } = await loadRun(run, flags.checkpoint);
      const exported = asUsage(() => exportOnnx(model, { part: flags.part, batch: flags.batch }));
      let check = "";
      if (flags.verify) {
        const session = await nativeBackend().createSession(exported.bytes);
        try {
          const feeds: Record<string, HostArray> = {};
          for (const [name, t] of Object.entries(exported.exampleFeeds)) feeds[name] = { data: t.values(), shape: t.shape, dtype: t.dtype };
          const got = (await session.run(feeds))[exported.outputs[0].name].data;
          const want = (await exported.run()).values();
          let diff = 0;
          for (let i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(Number(got[i]) - Number(want[i])));
          if (!(diff <= 1e-4 * Math.max(1, ...Array.from(want, (v) => Math.abs(Number(v)))))) {
            throw new Error(`the exported model disagrees with Eikon's '${exported.query}' query (max |difference| ${diff}); not writing ${flags.onnx}`);
          }
          check = `, verified (max |difference| from Eikon's query ${diff.toExponential(1)})`;
        } finally {
          await session.release();
        }
      }
      await writeFileAtomic(flags.onnx, exported.bytes);
      const io_ = (xs: typeof exported.inputs) => xs.map((x) => `${x.name} ${x.dtype}[${x.shape.join(",")}]`).join(", ");
      io.out(`wrote ${flags.onnx}: ${model.family} ${exported.part} (query '${exported.query}', step ${checkpoint.state.step}, ${exported.bytes.length} bytes${check})\n  inputs: ${io_(exported.inputs) || "(none)"}\n  outputs: ${io_(exported.outputs)}\n`);
    });
}
