#!/usr/bin/env node
import { runCli } from "../cli/run.js";
import { processIO } from "../io/streams.js";

// The process shim: argv, env and stdio in, exit code out. Nothing else in kvkey touches the process.
process.exitCode = await runCli(process.argv.slice(2), processIO());
