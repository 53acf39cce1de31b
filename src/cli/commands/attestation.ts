// Kept for the commands that import it from here; the constant lives in shared/ so the emulator can use it.
export { LOCAL_ATTESTATION_AUTHORITY } from "../../shared/attestation.js";
