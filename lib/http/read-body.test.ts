// Capped body reading over a real HTTP server (Node's request, as the /api/mcp endpoint reads it)
// and over a Web Request (as route handlers read it).
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type CappedBody, nodeBodyChunks, readBodyCapped, readChunksCapped } from "./read-body";

const MAX = 1024;
type Seen = { body?: CappedBody; error?: string };

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A server that reads each body with the cap and answers 200 or 413; `seen` gets what it read. */
async function start(seen: Seen[]): Promise<number> {
  server = http.createServer((req, res) => {
    readChunksCapped(req.headers["content-length"] ?? null, nodeBodyChunks(req), MAX).then(
      (body) => {
        seen.push({ body });
        res.writeHead(body.ok ? 200 : 413, { "content-type": "text/plain" });
        res.end(body.ok ? `read ${body.bytes.length}` : "too large");
      },
      (err: Error) => {
        seen.push({ error: err.message });
        res.destroy();
      },
    );
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** Sends raw HTTP and returns what came back (until the answer's body is in, or the connection closes). */
function raw(port: number, write: (socket: net.Socket) => void): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (d) => {
      received += d.toString();
      if (/\r\n\r\n[\s\S]*(read \d+|too large)/.test(received)) socket.destroy();
    });
    socket.on("close", () => resolve(received));
    socket.on("error", () => {});
    socket.on("connect", () => write(socket));
  });
}

describe("readChunksCapped over a Node request", () => {
  it("reads a chunked body whole", async () => {
    const seen: Seen[] = [];
    const port = await start(seen);
    const answer = await raw(port, (s) => {
      s.write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      s.write("5\r\nhello\r\n");
      setTimeout(() => s.write("6\r\n world\r\n0\r\n\r\n"), 20);
    });
    expect(answer).toContain("200 OK");
    expect(answer).toContain("read 11");
    expect(seen[0]?.body).toEqual({ ok: true, bytes: Buffer.from("hello world") });
  });

  it("refuses a chunked body past the cap, and the client still reads the refusal", async () => {
    const seen: Seen[] = [];
    const port = await start(seen);
    const answer = await raw(port, (s) => {
      s.write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      const chunk = "a".repeat(600);
      for (let i = 0; i < 5; i++) s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      s.write("0\r\n\r\n");
    });
    expect(answer).toContain("413 Payload Too Large");
    expect(seen[0]?.body).toEqual({ ok: false, reason: "too_large" });
  });

  it("refuses a declared Content-Length past the cap without waiting for bytes that never come", async () => {
    const seen: Seen[] = [];
    const port = await start(seen);
    const answer = await raw(port, (s) => {
      s.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000000\r\n\r\nshort");
    });
    // Answered once the bounded drain gives up (5 s), on a connection that is still open.
    expect(answer).toContain("413 Payload Too Large");
    expect(seen[0]?.body).toEqual({ ok: false, reason: "too_large" });
  }, 15_000);

  it("rejects when the client goes away mid-body", async () => {
    const seen: Seen[] = [];
    const port = await start(seen);
    await raw(port, (s) => {
      s.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part");
      setTimeout(() => s.destroy(), 50);
    });
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]?.error).toBeTruthy();
    expect(seen[0]?.body).toBeUndefined();
  });
});

describe("readBodyCapped over a Web Request", () => {
  it("reads a streamed body, refuses one past the cap, and trusts no declared length", async () => {
    const stream = (parts: string[]) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const p of parts) controller.enqueue(new TextEncoder().encode(p));
          controller.close();
        },
      });
    const request = (parts: string[], headers: Record<string, string> = {}) =>
      // @ts-expect-error: Node's fetch needs `duplex` for a streamed body; lib.dom's RequestInit lacks it.
      new Request("http://x/", { method: "POST", body: stream(parts), headers, duplex: "half" });
    expect(await readBodyCapped(request(["hello", " world"]), MAX)).toEqual({ ok: true, bytes: Buffer.from("hello world") });
    expect(await readBodyCapped(request(["a".repeat(600), "a".repeat(600)]), MAX)).toEqual({ ok: false, reason: "too_large" });
    // A small declared length does not let a larger body through.
    expect(await readBodyCapped(request(["a".repeat(2000)], { "content-length": "10" }), MAX)).toEqual({ ok: false, reason: "too_large" });
  });
});
