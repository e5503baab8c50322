import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { datasets, datasetSpecs, encodeNpy, loadDataset, parseDatasetSpec, TOY_NAMES } from "../../src/data/index.js";
import { assertDataError, tempDir } from "./helpers.js";

test("registry: every entry has a description and usage; specs parse", () => {
  for (const name of ["mnist", "idx", "folder", "npy", "csv", "toy"]) {
    assert.ok(datasets[name].description.length > 10, name);
    assert.ok(datasets[name].usage.length > 0, name);
  }
  assert.deepEqual(parseDatasetSpec("toy:8gaussians?n=5&seed=2"), { name: "toy", argument: "8gaussians", options: { n: "5", seed: "2" } });
  assert.deepEqual(parseDatasetSpec("folder:C:\\data\\faces?size=64x48"), { name: "folder", argument: "C:\\data\\faces", options: { size: "64x48" } });
  assert.deepEqual(parseDatasetSpec("mnist"), { name: "mnist", argument: "", options: {} });
  for (const t of TOY_NAMES) assert.ok(datasetSpecs().includes(`toy:${t}`));
});

test("registry: loads toy, npy and csv specs", () => {
  for (const t of ["8gaussians", "25gaussians", "swissroll", "moons", "rings", "checkerboard", "pinwheel"]) {
    const src = loadDataset(`toy:${t}?n=100&seed=1`);
    assert.equal(src.n, 100);
    assert.deepEqual(src.exampleShape, [2]);
  }
  const dir = tempDir();
  writeFileSync(join(dir, "a.npy"), encodeNpy([4, 3], new Float32Array(12)));
  assert.deepEqual(loadDataset(`npy:${join(dir, "a.npy")}`).exampleShape, [3]);
  writeFileSync(join(dir, "t.csv"), "f1,f2,y\n1,2,0\n3,4,1\n");
  const c = loadDataset(`csv:${join(dir, "t.csv")}?label=y`);
  assert.deepEqual(c.exampleShape, [2]);
  assert.equal(c.numClasses, 2);
});

test("registry errors: unknown dataset lists the valid names; bad options and missing arguments are explained", async () => {
  const err = await assertDataError(() => loadDataset("cifar10"), 'unknown dataset "cifar10"', "valid names: mnist, mnist:test, idx:<dir>, folder:<dir>, npy:<file>, csv:<file>, toy:8gaussians");
  assert.match(err.message, /toy:pinwheel/);
  await assertDataError(() => loadDataset("toy:moons?count=5"), 'unknown option "count"', "valid options: n, seed");
  await assertDataError(() => loadDataset("toy:moons?n=abc"), "n=abc must be an integer");
  await assertDataError(() => loadDataset("npy"), "missing file", "npy:<file>");
  await assertDataError(() => loadDataset("mnist:validation"), 'split must be "train" or "test"');
  await assertDataError(() => loadDataset("folder:/x?resize=cubic"), "resize=cubic must be one of bilinear, nearest");
  await assertDataError(() => loadDataset("npy:/definitely/missing.npy"), "/definitely/missing.npy", "not found");
});
