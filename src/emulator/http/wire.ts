// The emulator's one request/response shape. The HTTPS server and the in-process SDK HttpClient both
// translate to and from it, so every byte of behaviour is decided by one handler.

export interface WireRequest {
  method: string;
  /** Absolute URL as the client addressed it (scheme, host and port included). */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  body?: string;
  /** Address of the caller when served over a socket. */
  remoteAddress?: string;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /**
   * No response at all: the served emulator closes the connection, the in-process client reports a
   * connection reset (an injected fault, http/fault.ts). Status, headers and body are then meaningless.
   */
  drop?: true;
}
