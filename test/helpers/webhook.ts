import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { patient } from "./patience.js";

// A local HTTP endpoint that stands in for an Event Grid webhook subscriber: it records every POST and
// answers with what `respond` decides (200 by default).

export interface ReceivedPost {
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface WebhookReceiver {
  url: string;
  posts: ReceivedPost[];
  /** The events of every post (each post is an array of events), in arrival order. */
  events(): Array<Record<string, any>>;
  /** Status (and body) for the next post; default 200 with an empty body. */
  respond: (post: ReceivedPost, index: number) => { status: number; body?: string };
  /**
   * Resolves when the post that brings the count of events to `count` arrives (awaited, not polled);
   * rejects with what did arrive after patient(`timeoutMs`), so a missing event fails with a message.
   */
  waitForEvents(count: number, timeoutMs?: number): Promise<Array<Record<string, any>>>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(port = 0): Promise<WebhookReceiver> {
  const posts: ReceivedPost[] = [];
  const arrivals = new Set<() => void>();
  const receiver: Partial<WebhookReceiver> = {};
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        body = Buffer.concat(chunks).toString("utf8");
      }
      const post = { headers: req.headers, body };
      posts.push(post);
      const answer = receiver.respond!(post, posts.length - 1);
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(answer.body ?? "");
      for (const arrived of [...arrivals]) arrived();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const events = () =>
    posts.filter((p) => p.headers["aeg-event-type"] === "Notification").flatMap((p) => (Array.isArray(p.body) ? (p.body as Array<Record<string, any>>) : []));
  Object.assign(receiver, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    posts,
    events,
    respond: () => ({ status: 200 }),
    waitForEvents(count: number, timeoutMs = 15_000) {
      return new Promise<Array<Record<string, any>>>((resolve, reject) => {
        const check = () => {
          if (events().length < count) return;
          done();
          resolve(events());
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`expected ${count} events, got ${events().length}: ${JSON.stringify(events(), null, 1)}`));
        }, patient(timeoutMs));
        const done = () => {
          clearTimeout(timer);
          arrivals.delete(check);
        };
        arrivals.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return receiver as WebhookReceiver;
}
