// CSV numeric tables: one example per row, an optional header line, an optional label column.
import { dataError } from "./errors.js";
import { readDataFile } from "./fileio.js";
import { ArraySource } from "./memory.js";

export interface CsvOptions {
  /** true: the first line is a header; false: it is data; "auto" (default): a header iff it has a non-empty, non-numeric feature field. */
  header?: boolean | "auto";
  /** Column holding class labels: 0-based index (negative counts from the end) or a header name. */
  labelColumn?: number | string;
  /** Field separator; by default "," (or tab / ";" when the first line has no comma but one of those). */
  delimiter?: string;
  name?: string;
}

const NON_FINITE_WORD = /^[+-]?(nan|inf|infinity)$/i;

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && ((t[0] === '"' && t[t.length - 1] === '"') || (t[0] === "'" && t[t.length - 1] === "'")) ? t.slice(1, -1).trim() : t;
}

function isNumberLike(s: string): boolean {
  return (s.length > 0 && !Number.isNaN(Number(s))) || NON_FINITE_WORD.test(s);
}

/**
 * Loads a CSV table as a source with exampleShape [number of feature columns]. Fields may be quoted but may not
 * contain the delimiter. Labels that are all non-negative integers are used as class indices; any other labels
 * (e.g. names) become classes numbered in sorted order, with `classNames` set.
 */
export function csv(path: string, options: CsvOptions = {}): ArraySource {
  let text = readDataFile(path, "CSV file").toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  // Line numbers (1-based) of the non-blank lines.
  const rows: { line: number; fields: string[] }[] = [];
  let delimiter = options.delimiter;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    if (delimiter === undefined) {
      const first = lines[i];
      delimiter = first.includes(",") ? "," : first.includes("\t") ? "\t" : first.includes(";") ? ";" : ",";
    }
    rows.push({ line: i + 1, fields: lines[i].split(delimiter).map(unquote) });
  }
  if (rows.length === 0) throw dataError(path, "the CSV file is empty (no rows)", "Write one example per line.");
  const width = rows[0].fields.length;

  const resolveLabel = (names: string[] | undefined): number | undefined => {
    const lc = options.labelColumn;
    if (lc === undefined) return undefined;
    if (typeof lc === "string") {
      if (!names) throw dataError(path, `label column "${lc}" given by name but the file has no header line`, "Give the column index instead, or add a header.");
      const k = names.indexOf(lc);
      if (k < 0) throw dataError(path, `no column named "${lc}" in the header (columns: ${names.join(", ")})`, "Check the label column name.");
      return k;
    }
    const k = lc < 0 ? width + lc : lc;
    if (!Number.isInteger(k) || k < 0 || k >= width) throw dataError(path, `label column ${lc} is out of range for ${width} columns`);
    return k;
  };

  let hasHeader: boolean;
  if (options.header === true || options.header === false) {
    hasHeader = options.header;
  } else if (typeof options.labelColumn === "string") {
    hasHeader = true;
  } else {
    const lc = options.labelColumn === undefined ? -1 : options.labelColumn < 0 ? width + options.labelColumn : options.labelColumn;
    hasHeader = rows[0].fields.some((f, k) => k !== lc && f !== "" && !isNumberLike(f));
  }
  const names = hasHeader ? rows[0].fields : undefined;
  const labelCol = resolveLabel(names);
  const data = hasHeader ? rows.slice(1) : rows;
  if (data.length === 0) throw dataError(path, "no data rows after the header line", "Add data rows, or check the header option.");

  const d = labelCol === undefined ? width : width - 1;
  if (d === 0) throw dataError(path, "no feature columns (only the label column)");
  const x = new Float32Array(data.length * d);
  const labelText: string[] = [];
  for (let r = 0; r < data.length; r++) {
    const { line, fields } = data[r];
    if (fields.length !== width) {
      throw dataError(path, `line ${line}: ${fields.length} fields but ${hasHeader ? "the header" : "the first row"} has ${width}`, "Every row needs the same number of columns.");
    }
    let o = r * d;
    for (let k = 0; k < width; k++) {
      const f = fields[k];
      if (k === labelCol) {
        if (f === "") throw dataError(path, `line ${line}, column ${k + 1}: empty label`);
        labelText.push(f);
        continue;
      }
      const col = names ? ` ("${names[k]}")` : "";
      if (f === "") throw dataError(path, `line ${line}, column ${k + 1}${col}: empty value`, "Fill in or drop missing values.");
      const v = Number(f);
      if (Number.isNaN(v) && !NON_FINITE_WORD.test(f)) throw dataError(path, `line ${line}, column ${k + 1}${col}: "${f}" is not a number`);
      const v32 = Math.fround(v);
      if (!Number.isFinite(v32)) {
        throw dataError(path, `line ${line}, column ${k + 1}${col}: non-finite value ${f}${Number.isFinite(v) ? " (overflows float32)" : ""}`, "Remove or replace NaN/Inf values before loading.");
      }
      x[o++] = v32;
    }
  }

  const name = options.name ?? `csv:${path}`;
  if (labelCol === undefined) return new ArraySource(x, [d], { name });
  const asInts = labelText.map(Number);
  if (asInts.every((v) => Number.isInteger(v) && v >= 0)) {
    return new ArraySource(x, [d], { name, labels: Int32Array.from(asInts) });
  }
  const classNames = [...new Set(labelText)].sort();
  const index = new Map(classNames.map((c, i) => [c, i]));
  return new ArraySource(x, [d], { name, labels: Int32Array.from(labelText, (t) => index.get(t)!), classNames });
}
