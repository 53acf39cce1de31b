// Entry of a served-emulator worker process (bundled as dist/emulator-worker.js): startEmulator with
// `workers` > 1 forks this file with node:cluster. A process shim like kvkey.ts: the worker logic lives
// in src/emulator/serve/workers.ts and tells this file when to end the process.
import { runEmulatorWorker } from "../emulator/server.js";

runEmulatorWorker((code) => process.exit(code));
