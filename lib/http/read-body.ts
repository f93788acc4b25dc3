// Reading a request body without trusting Content-Length: the declared size is checked first and
// the stream is counted as it arrives, so an oversized body is refused before it is held in memory.
// The refusal is returned once the rest of the body has been read and dropped (bounded), so the
// answer that follows it reaches the client (see discardRest).
export type CappedBody = { ok: true; bytes: Buffer } | { ok: false; reason: "too_large" };

/** How much of an oversized body is still read (and dropped) after refusing it, and for how long. */
const DISCARD_MAX_BYTES = 64 * 1024 * 1024;
const DISCARD_MAX_MS = 5_000;

export async function readBodyCapped(request: Request, maxBytes: number): Promise<CappedBody> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (!request.body) return declared > maxBytes ? { ok: false, reason: "too_large" } : { ok: true, bytes: Buffer.alloc(0) };
  const reader = request.body.getReader();
  if (declared > maxBytes) {
    await discardRest(reader);
    return { ok: false, reason: "too_large" };
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await discardRest(reader);
      return { ok: false, reason: "too_large" };
    }
    chunks.push(value);
  }
  return { ok: true, bytes: Buffer.concat(chunks) };
}

/**
 * Reads and drops the rest of a refused body, before the refusal is answered. Cancelling the stream
 * at once, or answering while the client is still sending and closing the connection after the
 * answer, leaves the client's bytes unread: the kernel resets the connection and the client can
 * lose the 413 (it did, through the Node endpoint of /api/mcp, in 2 of 3 runs of the security
 * suite's "10 MB chunked body"). Bounded in bytes and time, then cancelled.
 */
async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  const stop = () => void reader.cancel().catch(() => {});
  const timer = setTimeout(stop, DISCARD_MAX_MS);
  timer.unref();
  let discarded = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      discarded += value.byteLength;
      if (discarded > DISCARD_MAX_BYTES) {
        stop();
        break;
      }
    }
  } catch {
    // the client went away, or the time ran out: nothing left to read
  } finally {
    clearTimeout(timer);
  }
}
