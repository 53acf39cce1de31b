// Secure key release against the local emulator: the emulator plays the attestation authority (as
// Microsoft Azure Attestation does for Azure) and trusts only tokens it issued under this issuer. Both
// the CLI (--default-cvm-policy, `kvkey emulator attestation-token`) and the emulator need it, and the
// emulator must not import CLI code, so it lives here.

/** The attestation authority the local emulator trusts for secure key release (see issue 6). */
export const LOCAL_ATTESTATION_AUTHORITY = "https://attestation.localhost";
