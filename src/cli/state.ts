// What a command's action reports back to main besides throwing: its exit code.
export interface CliState {
  exitCode: number;
}
