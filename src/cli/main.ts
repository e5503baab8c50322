#!/usr/bin/env node
// The `eikon` executable (bin/eikon.js imports the built copy of this file).
import { runCli } from "./program.js";

const code = await runCli(process.argv.slice(2));
process.exit(code);
