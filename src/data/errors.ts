// One error type for every bad-input case of the data layer: the message names the file and the problem,
// and says how to fix it where that is obvious.

export class DataError extends Error {
  /** The file or folder the problem is about, when there is one. */
  readonly path: string | undefined;

  constructor(message: string, path?: string) {
    super(message);
    this.name = "DataError";
    this.path = path;
  }
}

/** Builds a DataError whose message starts with the path: "<path>: <problem>[ Fix: <hint>]". */
export function dataError(path: string, problem: string, fix?: string): DataError {
  return new DataError(fix ? `${path}: ${problem}. ${fix}` : `${path}: ${problem}`, path);
}
