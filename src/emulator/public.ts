// The package's programmatic entry (`import { startEmulator } from "kvkey"`): what users' own test
// suites need to host the emulated vault in-process or over HTTPS.
export { createEmulator, ManualClock, offsetClock, systemClock, LATEST_API_VERSION, IDENTITY_PATH } from "./index.js";
export type { Emulator, EmulatorOptions, Clock, WireRequest, WireResponse, AuthMode, IssuedToken, Vault, VaultKind, VaultTarget } from "./index.js";
export { startEmulator } from "./server.js";
export type { ServeOptions, ServedEmulator } from "./server.js";
