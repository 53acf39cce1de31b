import { createServer, type Server } from "node:https";
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { AddressInfo, Socket } from "node:net";
import type { Emulator } from "../index.js";
import { bodyLimitFor } from "../http/body-limits.js";
import type { WireRequest } from "../http/wire.js";

// One process serving the emulator over HTTPS: Node's HTTP server in front of Emulator.handle, with the
// limits a server meets on a network (timeouts per connection phase, the body limit, refusals in the
// service's error envelope) and a graceful close.

/** Slow or stalled clients must not hold sockets forever: each phase of a connection has a limit (ms). */
export interface ServeTimeouts {
  /** The TLS handshake, from the TCP connection on. Default 10 s. */
  handshakeMs: number;
  /** The request line and headers. Default 15 s. */
  headersMs: number;
  /** The whole request, body included. Default 60 s. */
  requestMs: number;
  /** An idle keep-alive connection. Default 30 s. */
  keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: ServeTimeouts = { handshakeMs: 10_000, headersMs: 15_000, requestMs: 60_000, keepAliveMs: 30_000 };

export interface Listener {
  port: number;
  /** Graceful: no new connections, in-flight requests finish, idle keep-alive sockets close. */
  close(): Promise<void>;
}

export async function listen(
  emulator: Emulator,
  tls: { keyPem: string; certPem: string },
  port: number,
  host: string,
  timeouts: ServeTimeouts,
): Promise<Listener> {
  const inFlight = new Set<Promise<void>>();
  const options = {
    key: tls.keyPem,
    cert: tls.certPem,
    handshakeTimeout: timeouts.handshakeMs,
    // Node checks the headers and request timeouts on this interval (default 30 s, which would let a
    // slowloris client hold a socket up to 45 s with a 15 s headers timeout).
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(Math.min(timeouts.headersMs, timeouts.requestMs) / 2))),
    // Node answers an HTTP/1.1 request without Host with an empty 400; serve() answers it in the envelope.
    requireHostHeader: false,
  };
  const server: Server = createServer(options, (req, res) => {
    const work = serve(emulator, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  // An Expect other than 100-continue: Node would answer an empty 417; the envelope says what is wrong.
  server.on("checkExpectation", (req: IncomingMessage, res: ServerResponse) =>
    refuseRequest(res, [417, "ExpectationFailed", `The Expect header '${String(req.headers.expect).slice(0, 100)}' is not supported; only 100-continue is.`]),
  );
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = timeouts.requestMs;
  server.keepAliveTimeout = timeouts.keepAliveMs;
  // What Node's HTTP parser refuses (not HTTP/1.1, headers too large, a timeout) and CONNECT never
  // reach the handler: answer them in the service's error envelope too, then close.
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    const answer = clientErrorAnswer(err);
    // TLS failures (a handshake that timed out) and resets have no HTTP to answer in: just close.
    if (answer) refuseConnection(socket, answer);
    else socket.destroy();
  });
  server.on("connect", (_req: IncomingMessage, socket: Duplex) =>
    refuseConnection(socket, [405, "MethodNotAllowed", "The requested resource does not support http method 'CONNECT'."]),
  );
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    // Responses are small and written whole: send them at once rather than wait for Nagle.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });

  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await Promise.allSettled([...inFlight]);
        // Keep-alive sockets with no request in flight would hold close() open.
        for (const socket of sockets) socket.destroy();
        await stopped;
      })();
      return closing;
    },
  };
}

type Refusal = [status: number, code: string, message: string];

function clientErrorAnswer(err: NodeJS.ErrnoException): Refusal | undefined {
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") return [408, "RequestTimeout", "The request did not arrive in time."];
  if (err.code === "HPE_HEADER_OVERFLOW") return [431, "RequestHeaderFieldsTooLarge", "The request headers are too large."];
  if (err.code?.startsWith("HPE_")) return [400, "BadRequest", "The request is not valid HTTP/1.1."];
  return undefined;
}

/** Writes one error response on a socket the HTTP server will not answer, and closes it. */
function refuseConnection(socket: Duplex, [status, code, message]: Refusal): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** An error answer in the service's envelope for a request the handler is not given; the connection then closes. */
function refuseRequest(res: ServerResponse, [status, code, message]: Refusal): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(body)), connection: "close" });
  res.end(body);
}

/**
 * The Host a request addresses, or why it cannot be used: none at all on HTTP/1.1 (HTTP/1.0 may omit it),
 * an empty one, or two (which proxies may read differently: a request smuggling risk). Checked on the raw
 * headers: Node keeps only the first Host.
 */
function hostOf(req: IncomingMessage): string | Refusal {
  const hosts: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === "host") hosts.push(req.rawHeaders[i + 1]!);
  if (hosts.length > 1) return [400, "BadRequest", "The request has more than one Host header."];
  if (hosts.length === 0) return req.httpVersion === "1.0" ? "localhost" : [400, "BadRequest", "The request has no Host header (HTTP/1.1 requires one)."];
  if (hosts[0]!.trim() === "") return [400, "BadRequest", "The request's Host header is empty."];
  return hosts[0]!.trim();
}

/**
 * How much of a body declared too large is read (and thrown away) before the 413 is sent. Answering
 * while the client is still uploading and then closing makes the kernel reset the connection, and most
 * clients (curl, the SDKs) then report the reset instead of the 413. Past this much, the client is
 * abusive and gets the reset.
 */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

async function serve(emulator: Emulator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const host = hostOf(req);
  if (typeof host !== "string") {
    req.resume(); // the body, if any, is not kept
    refuseRequest(res, host);
    return;
  }
  // The limit is 1 MiB, or what the largest backup needs for a restore (http/body-limits.ts). A declared
  // length over it is never buffered: the body is drained, then refused.
  const limit = bodyLimitFor(req.method ?? "GET", (req.url ?? "/").split("?")[0]!);
  const declared = Number(req.headers["content-length"] ?? 0);
  const body = declared > limit ? await drain(req, DRAIN_LIMIT_BYTES) : await readBody(req, limit);
  if (body === undefined) {
    refuseRequest(res, [413, "RequestBodyTooLarge", `The request body exceeds the limit of ${limit} bytes.`]);
    return;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  const request: WireRequest = { method: req.method ?? "GET", url: `https://${host}${req.url ?? "/"}`, headers };
  if (body.length > 0) request.body = body;
  if (req.socket.remoteAddress) request.remoteAddress = req.socket.remoteAddress;
  const response = await emulator.handle(request);
  // An injected fault: no response at all, the connection just closes (docs/emulator.md, "Fault injection").
  if (response.drop) {
    req.socket.destroy();
    return;
  }
  res.writeHead(response.status, { ...response.headers, "content-length": String(Buffer.byteLength(response.body)) });
  res.end(response.body);
}

/** The body as text, or undefined when it exceeds the limit (the rest is drained, not buffered). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Reads and discards a body until it ends or `cap` bytes have passed; always undefined (refused). */
function drain(req: IncomingMessage, cap: number): Promise<undefined> {
  return new Promise((resolve) => {
    let size = 0;
    const done = () => resolve(undefined);
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap) {
        req.pause();
        done();
      }
    });
    req.once("end", done);
    req.once("error", done);
    req.once("close", done);
  });
}
