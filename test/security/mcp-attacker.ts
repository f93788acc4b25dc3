// Shared kit for the MCP attacks in test/security/mcp-*.test.ts and semantic-injection.test.ts:
// a fresh database seeded with the demo tenants, the built app on a real port, keys, the official
// SDK client, raw HTTP, and the evidence an attack must leave untouched (row counts, checksums of a
// tenant's rows, identifiers that must never appear in another tenant's answers).
import http from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { issueApiKey } from "@/lib/auth/api-keys";
import type { Db } from "@/lib/db/client";
import { seedDemo } from "@/lib/demo/seed-demo";
import { ALL_SCOPES, GRANTABLE_SCOPES, type Preset, type Scope } from "@/lib/governance/scopes";
import { startApp, type RunningApp } from "@/test/app-server";
import { createTestDatabase, type TestDatabase } from "@/test/database";

export type Target = {
  database: TestDatabase;
  db: Db;
  app: RunningApp;
  demoId: string;
  demoBId: string;
  stop: () => Promise<void>;
};

/** A fresh database with the small demo, and the built app serving it. */
export async function startTarget(extraEnv: Record<string, string> = {}): Promise<Target> {
  const database = await createTestDatabase();
  let app: RunningApp | undefined;
  try {
    await seedDemo(database.db, { scale: "small" });
    const demoId = (await database.db.tenant.findUniqueOrThrow({ where: { slug: "demo" } })).id;
    const demoBId = (await database.db.tenant.findUniqueOrThrow({ where: { slug: "demo-b" } })).id;
    app = await startApp(database, extraEnv);
    const running = app;
    return {
      database,
      db: database.db,
      app: running,
      demoId,
      demoBId,
      stop: async () => {
        await running.stop();
        await database.close();
      },
    };
  } catch (err) {
    await app?.stop();
    await database.close();
    throw err;
  }
}

export type IssuedTestKey = { id: string; secret: string };

/** Issues a key; `scopes: "all"` grants every grantable scope on top of the analyst preset. */
export async function issueKey(
  db: Db,
  tenantId: string,
  options: { preset?: Preset; scopes?: Scope[] | "all"; expiresAt?: Date | null; name?: string } = {},
): Promise<IssuedTestKey> {
  const preset = options.preset ?? (options.scopes === "all" ? "analyst" : "metrics:read");
  const scopes = options.scopes === "all" ? GRANTABLE_SCOPES : (options.scopes ?? []);
  const { key, secret } = await issueApiKey(db, {
    tenantId,
    name: options.name ?? `attacker ${preset}${scopes.length ? ` +${scopes.join(",")}` : ""}`,
    preset,
    grantedScopes: scopes,
    expiresAt: options.expiresAt ?? null,
  });
  return { id: key.id, secret };
}

export const EVERY_SCOPE: readonly Scope[] = ALL_SCOPES;

export async function connectMcp(app: RunningApp, secret: string, name = "socode-attacker"): Promise<Client> {
  const client = new Client({ name, version: "6.6.6" });
  const transport = new StreamableHTTPClientTransport(new URL(app.mcpUrl), {
    requestInit: { headers: { Authorization: `Bearer ${secret}` } },
  });
  await client.connect(transport);
  return client;
}

export type ToolAnswer = {
  result: CallToolResult;
  /** Everything the client received, as one string (content and structuredContent). */
  text: string;
  isError: boolean;
  /** The stable error code of a refused call (`{"error":{"code":…}}` in the text), if any. */
  errorCode: string | null;
};

export function errorCodeOf(result: CallToolResult): string | null {
  for (const item of result.content ?? []) {
    if (item.type !== "text") continue;
    const match = /\{"error":\{"code":"([a-z_]+)"/.exec(item.text);
    if (match?.[1]) return match[1];
  }
  return null;
}

export async function callTool(client: Client, name: string, args: unknown): Promise<ToolAnswer> {
  const result = (await client.callTool({ name, arguments: args as Record<string, unknown> })) as CallToolResult;
  return {
    result,
    text: JSON.stringify({ content: result.content, structuredContent: result.structuredContent ?? null }),
    isError: result.isError === true,
    errorCode: result.isError ? errorCodeOf(result) : null,
  };
}

// ───────────── raw HTTP ─────────────

export const PROTOCOL_VERSION = "2025-06-18";

export function rpc(method: string, params?: unknown, id: unknown = 1): string {
  return JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });
}

export const INITIALIZE = rpc("initialize", { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "raw-attacker", version: "0" } });

export type RawAnswer = { status: number; headers: Headers; text: string };

/** A POST (by default) to the MCP endpoint with JSON headers, the body sent as is. */
export async function postRaw(
  url: string,
  body: string | Uint8Array | ReadableStream<Uint8Array> | undefined,
  headers: Record<string, string> = {},
  method = "POST",
): Promise<RawAnswer> {
  const res = await fetch(url, {
    method,
    body: body as BodyInit | undefined,
    headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers },
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/**
 * A request through node:http, for what fetch will not send (huge or odd headers, a body that is
 * still streaming when the server answers). Resolves with the server's answer even when the server
 * stops reading the body early; rejects only if no answer arrives.
 */
export function httpRaw(
  url: string,
  options: { method?: string; headers?: Record<string, string | number>; body?: Buffer | (() => AsyncIterable<Buffer>); timeoutMs?: number },
): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = http.request(
      // A fresh connection each time: a socket left mid-body by an earlier attack must not carry this one.
      { hostname: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: options.method ?? "POST", headers: options.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
        res.on("error", reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 60_000, () => req.destroy(new Error("timed out waiting for an answer")));
    // The server may answer (413) and close before the body is fully written: not an error here.
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE" && err.code !== "ECONNRESET") reject(err);
    });
    const body = options.body;
    if (body === undefined) {
      req.end();
    } else if (Buffer.isBuffer(body)) {
      req.end(body);
    } else {
      void (async () => {
        try {
          for await (const chunk of body()) {
            if (req.destroyed) return;
            if (!req.write(chunk)) await new Promise((r) => req.once("drain", r));
          }
          req.end();
        } catch {
          // the server closed the connection mid-body
        }
      })();
    }
  });
}

/** Stack frames, file paths and error class names that must never reach a client. */
const INTERNALS = [
  /\bat [\w$.<>]+ \(/,
  /\bat (file:\/\/|\/)[\w./-]+:\d+/,
  /node_modules/,
  /\/work\//,
  /\.next\/server/,
  /webpack-internal/,
  /\.(ts|js|mjs|cjs):\d+:\d+/,
  /\b(TypeError|ReferenceError|RangeError|SyntaxError|PrismaClient\w*Error)\b/,
  /invalid byte sequence|unsupported Unicode escape|syntax error at or near|violates .* constraint/i,
  /\bP20\d\d\b/,
];

export function internalsIn(text: string): string[] {
  return INTERNALS.filter((re) => re.test(text)).map((re) => `${re} in ${text.slice(0, 300)}`);
}

// ───────────── evidence ─────────────

/** Every table of the public schema with its row count. */
export async function rowCounts(db: Db): Promise<Record<string, number>> {
  const tables = await db.$queryRawUnsafe<{ table_name: string }[]>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const out: Record<string, number> = {};
  for (const { table_name } of tables) {
    const rows = await db.$queryRawUnsafe<{ n: string }[]>(`SELECT count(*)::text AS n FROM "${table_name.replace(/"/g, '""')}"`);
    out[table_name] = Number(rows[0]?.n ?? -1);
  }
  return out;
}

/**
 * Row count and an order-independent checksum of every row a tenant owns, per table: the tenant's
 * row in `tenants` and its rows in every table with a tenant_id column (found from the schema, so a
 * new table is covered without touching this).
 */
export async function tenantChecksums(db: Db, tenantId: string): Promise<Record<string, string>> {
  const tables = await db.$queryRawUnsafe<{ table_name: string }[]>(
    `SELECT c.table_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' ORDER BY c.table_name`,
  );
  const out: Record<string, string> = {};
  const digest = async (table: string, column: string) => {
    const rows = await db.$queryRawUnsafe<{ n: string; sum: string | null }[]>(
      `SELECT count(*)::text AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS sum FROM "${table}" t WHERE t."${column}" = $1::uuid`,
      tenantId,
    );
    out[table] = `${rows[0]?.n ?? "?"}:${rows[0]?.sum ?? "-"}`;
  };
  await digest("tenants", "id");
  for (const { table_name } of tables) await digest(table_name, "tenant_id");
  return out;
}

/** Things of one tenant that must never appear in another tenant's answers. */
export type Sentinels = {
  /** Single tokens (ids, codes, external ids, emails, domains), matched as whole tokens. */
  tokens: Set<string>;
  /** Phrases (names), matched as substrings. */
  phrases: string[];
};

export async function tenantSentinels(db: Db, tenantId: string): Promise<Sentinels> {
  const tokens = new Set<string>();
  const phrases: string[] = [];
  const tenant = await db.tenant.findUniqueOrThrow({ where: { id: tenantId } });
  tokens.add(tenant.id);
  phrases.push(tenant.name, tenant.timeZone);
  for (const s of await db.store.findMany({ where: { tenantId } })) {
    tokens.add(s.id);
    tokens.add(s.code);
    phrases.push(s.name, s.region);
  }
  for (const t of await db.tier.findMany({ where: { tenantId } })) tokens.add(t.id);
  for (const p of await db.couponPool.findMany({ where: { tenantId } })) {
    tokens.add(p.id);
    phrases.push(p.name);
    if (p.campaign) phrases.push(p.campaign);
  }
  for (const m of await db.member.findMany({ where: { tenantId }, select: { id: true, externalId: true, email: true, name: true } })) {
    tokens.add(m.id);
    tokens.add(m.externalId);
    if (m.email) {
      tokens.add(m.email);
      tokens.add(m.email.split("@")[1] ?? m.email);
    }
    phrases.push(m.name);
  }
  for (const c of await db.coupon.findMany({ where: { tenantId }, select: { id: true, code: true } })) {
    tokens.add(c.id);
    tokens.add(c.code);
  }
  for (const a of await db.ambassadorCode.findMany({ where: { tenantId }, select: { id: true, code: true } })) {
    tokens.add(a.id);
    tokens.add(a.code);
  }
  for (const w of await db.writeRequest.findMany({ where: { tenantId }, select: { id: true } })) tokens.add(w.id);
  for (const k of await db.apiKey.findMany({ where: { tenantId }, select: { id: true, displayPrefix: true } })) {
    tokens.add(k.id);
    tokens.add(k.displayPrefix);
  }
  for (const e of await db.auditEvent.findMany({ where: { tenantId }, select: { requestId: true } })) if (e.requestId) tokens.add(e.requestId);
  return { tokens, phrases: [...new Set(phrases)].filter((p) => p.length >= 3) };
}

function tokensOf(text: string): Set<string> {
  const out = new Set<string>();
  for (const match of text.matchAll(/[A-Za-z0-9][A-Za-z0-9@._+:-]*/g)) {
    const token = match[0].replace(/[._:-]+$/, "");
    out.add(token);
    // "sc_live_ab12cd…" and "S01 Boston": also the parts between separators a sentence adds.
    for (const part of token.split(/[:]/)) out.add(part);
  }
  return out;
}

/**
 * The sentinels that appear in `answer` but not in what the attacker sent: a refusal may quote the
 * id it was given back, but must never add anything of the other tenant.
 */
export function leakedSentinels(answer: string, sent: string, sentinels: Sentinels): string[] {
  const answerTokens = tokensOf(answer);
  const sentTokens = tokensOf(sent);
  const leaks: string[] = [];
  for (const token of answerTokens) if (sentinels.tokens.has(token) && !sentTokens.has(token)) leaks.push(token);
  for (const phrase of sentinels.phrases) if (answer.includes(phrase) && !sent.includes(phrase)) leaks.push(phrase);
  return leaks;
}
