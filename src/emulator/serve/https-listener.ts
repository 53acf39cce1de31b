import { createServer, type Server } from "node:https";
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { AddressInfo, Socket } from "node:net";
import type { Emulator } from "../index.js";
import { MAX_BODY_BYTES } from "../http/pipeline.js";
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
  };
  const server: Server = createServer(options, (req, res) => {
    const work = serve(emulator, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
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

async function serve(emulator: Emulator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // A declared length over the limit is refused before a byte of the body is read.
  const declared = Number(req.headers["content-length"] ?? 0);
  const body = declared > MAX_BODY_BYTES ? undefined : await readBody(req);
  if (body === undefined) {
    const refusal = JSON.stringify({ error: { code: "RequestBodyTooLarge", message: `The request body exceeds the limit of ${MAX_BODY_BYTES} bytes.` } });
    res.writeHead(413, { "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(refusal)), connection: "close" });
    res.end(refusal);
    return;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  const host = req.headers.host ?? "localhost";
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
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
