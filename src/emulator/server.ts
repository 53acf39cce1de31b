import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createEmulator, type Emulator, type EmulatorOptions } from "./index.js";
import { ensureTlsMaterial, ephemeralTlsMaterial } from "./tls/local-ca.js";
import { MAX_BODY_BYTES } from "./http/handler.js";
import type { WireRequest } from "./http/wire.js";

// The served emulator: the same handler the embedded vault uses, behind HTTPS on loopback.

export interface ServeOptions extends EmulatorOptions {
  /** 0 picks a free port (tests). Default 8443. */
  port?: number;
  /** Default 127.0.0.1: the emulator is reachable from other machines only when asked. */
  host?: string;
}

export interface ServedEmulator {
  /** `https://localhost:{port}`; vaults are `https://{name}.vault.localhost:{port}`. */
  url: string;
  port: number;
  host: string;
  /** The CA certificate clients must trust (PEM), and its file when the emulator has a data directory. */
  caPem: string;
  caPath: string | undefined;
  emulator: Emulator;
  /** Stops accepting connections, lets in-flight requests finish, then closes the store. */
  close(): Promise<void>;
}

// Slow or stalled clients must not hold sockets forever.
const HEADERS_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 60_000;
const KEEP_ALIVE_TIMEOUT_MS = 30_000;

export async function startEmulator(options: ServeOptions): Promise<ServedEmulator> {
  const tls = options.dataDir ? await ensureTlsMaterial(options.dataDir) : { ...(await ephemeralTlsMaterial()), caPath: undefined };
  // Served, the emulator meets clients it did not configure: any bearer token by default (as other
  // emulators do), and the managed-identity endpoint for DefaultAzureCredential.
  const emulator = createEmulator({ authMode: "any", identityEndpoint: true, ...options });
  const inFlight = new Set<Promise<void>>();

  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const work = serve(emulator, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8443, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `https://localhost:${port}`,
    port,
    host,
    caPem: tls.caPem,
    caPath: tls.caPath,
    emulator,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await Promise.allSettled([...inFlight]);
        // Keep-alive sockets with no request in flight would hold close() open.
        for (const socket of sockets) socket.destroy();
        await stopped;
        emulator.close();
      })();
      return closing;
    },
  };
}

async function serve(emulator: Emulator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // A declared length over the limit is refused before a byte of the body is read.
  const declared = Number(req.headers["content-length"] ?? 0);
  const body = declared > MAX_BODY_BYTES ? undefined : await readBody(req);
  if (body === undefined) {
    res.writeHead(413, { "content-type": "application/json; charset=utf-8", connection: "close" });
    res.end(JSON.stringify({ error: { code: "RequestBodyTooLarge", message: `The request body exceeds the limit of ${MAX_BODY_BYTES} bytes.` } }));
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
