// Entry of a served-emulator worker process (bundled as dist/emulator-worker.js): startEmulator with
// `workers` > 1 forks this file with node:cluster. See server.ts.
import { runEmulatorWorker } from "./server.js";

runEmulatorWorker();
