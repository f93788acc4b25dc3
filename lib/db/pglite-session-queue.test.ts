// Two connections' extended-protocol messages arriving interleaved, exactly as the socket server
// sees them under load. Queued one message at a time (pglite-socket's own queue), B's Parse replaces
// A's unnamed statement and A's Bind fails or binds to B's query; SessionQueue keeps each
// connection's sequence together. The exchange runs in a plain Node process (as in the app): under
// vitest's module loader PGlite's per-call output arrives shifted, which would blur the attribution.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("SessionQueue", () => {
  it("keeps each connection's Parse/Bind/Execute/Sync together and a transaction's connection on the session", () => {
    const output = execFileSync(process.execPath, ["--import", "tsx", "test/fixtures/pglite-interleave.ts"], { encoding: "utf8" });
    expect(JSON.parse(output)).toEqual({
      a: { rows: ["42"], errors: [] },
      b: { rows: ["b:x"], errors: [] },
      c: { rows: ["2"], errors: [] },
    });
  });
});
