/** The attestation authority the local emulator trusts for secure key release (see issue 6). */
export const LOCAL_ATTESTATION_AUTHORITY = "https://attestation.localhost";
