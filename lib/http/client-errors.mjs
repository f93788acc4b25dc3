// Requests Node's HTTP parser refuses before any handler runs (headers too large, malformed
// request line, a header timeout), answered so that the client can read the answer.
//
// Node's default answers and destroys the socket at once. When the client is still sending (a 1 MB
// cookie, a body after a bad request line), the kernel answers the unread bytes with a TCP reset,
// and a reset makes the client drop the answer it had not read yet: it sees "connection reset"
// instead of 431. Here the answer is written, the sending side is closed, and what the client still
// sends is read and discarded (a "lingering close", as web servers do) until it closes too, or for
// at most LINGER_MS.
//
// Plain JavaScript: the production server (bin/socode-server.mjs) imports it without a TypeScript
// loader.

const LINGER_MS = 5_000;

/** Status line by Node's parser error code; anything else is a 400. */
const STATUS = {
  HPE_HEADER_OVERFLOW: "431 Request Header Fields Too Large",
  HPE_CHUNK_EXTENSIONS_OVERFLOW: "413 Payload Too Large",
  ERR_HTTP_REQUEST_TIMEOUT: "408 Request Timeout",
};

/** A `clientError` listener for an http.Server. */
export function answerClientError(err, socket) {
  socket.on("error", () => {});
  // A reset by the client, or a socket something else already answered on: nothing to say.
  if (err?.code === "ECONNRESET" || !socket.writable || socket.bytesWritten > 0) {
    socket.destroy();
    return;
  }
  const status = STATUS[err?.code] ?? "400 Bad Request";
  const body = JSON.stringify({ error: { code: status.slice(4).toLowerCase().replaceAll(" ", "_"), message: `${status.slice(4)}.` } });
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
  lingerThenClose(socket);
}

/** Reads and discards what the client still sends until it closes, or for at most LINGER_MS. */
function lingerThenClose(socket) {
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.on("close", () => clearTimeout(timer));
  socket.on("end", () => socket.destroy());
  socket.on("data", () => {});
  socket.resume();
}
