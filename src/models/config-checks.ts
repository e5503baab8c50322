// Field checks shared by the families' config resolvers: each failure is one message
// "<family> config: <field> must be …, got …".

export interface ConfigChecks {
  fail(msg: string): never;
  posInt(k: string, v: unknown): void;
  intList(k: string, v: unknown): void;
  oneOf(k: string, v: unknown, values: readonly string[]): void;
  nonNeg(k: string, v: unknown): void;
  bool(k: string, v: unknown): void;
}

export function configChecks(family: string): ConfigChecks {
  const fail = (msg: string): never => {
    throw new Error(`${family} config: ${msg}`);
  };
  return {
    fail,
    posInt: (k, v) => {
      if (!(Number.isInteger(v) && (v as number) > 0)) fail(`${k} must be a positive integer, got ${JSON.stringify(v)}`);
    },
    intList: (k, v) => {
      if (!Array.isArray(v) || v.some((d) => !(Number.isInteger(d) && d > 0))) fail(`${k} must be a list of positive integers, got ${JSON.stringify(v)}`);
    },
    oneOf: (k, v, values) => {
      if (!values.includes(v as string)) fail(`${k} must be one of ${values.join(", ")}, got ${JSON.stringify(v)}`);
    },
    nonNeg: (k, v) => {
      if (!(typeof v === "number" && Number.isFinite(v) && v >= 0)) fail(`${k} must be a finite number ≥ 0, got ${JSON.stringify(v)}`);
    },
    bool: (k, v) => {
      if (typeof v !== "boolean") fail(`${k} must be true or false, got ${JSON.stringify(v)}`);
    },
  };
}
