import path from "node:path";
import fs from "node:fs";
import os from "node:os";
import cliProgress from "cli-progress";
import { z } from "zod";
import { fileFormatOf } from "@/lib/ingest/file-formats";
import { importFile } from "@/lib/ingest/import-file";
import { issueIngestKey } from "@/lib/ingest/ingest-keys";
import { SOURCE_NAME_PATTERN } from "@/lib/ingest/ingest-batch";
import { IngestKindSchema, INGEST_KINDS } from "@/lib/ingest/records";
import { configureIngestSource, setStaleThreshold, shopifyWebhookPath, SourceInputError } from "@/lib/ingest/sources";
import { TenantSlugSchema } from "@/lib/governance/tenants";
import { CliError, defineCommand, ExpiresFlagSchema, tenantFlag } from "../command";
import { recordCliEvent } from "../cli-audit";

const SourceSchema = z.string().regex(SOURCE_NAME_PATTERN, "use 1–63 lowercase letters, digits, '.', '_' or '-', e.g. pos");

export const ingestKeyCreate = defineCommand({
  name: "ingest-key:create",
  summary: "Issue an ingest key (sc_ingest_…, scope ingest:write) for /api/ingest; printed once",
  flags: {
    tenant: { type: "string", description: "Tenant slug", placeholder: "demo" },
    name: { type: "string", description: "What the key is for", placeholder: "name" },
    expires: { type: "string", description: "Lifetime such as 12h, 30d or 8w (default: no expiry)", placeholder: "30d" },
  },
  schema: z.object({
    tenant: TenantSlugSchema,
    name: z.string({ error: "is required" }).trim().min(1).max(120),
    expires: ExpiresFlagSchema.optional(),
  }),
  examples: ['npx socode ingest-key:create --tenant demo --name "POS nightly export"'],
  run: async (ctx, input) => {
    const db = await ctx.db();
    const tenant = await tenantFlag(db, input.tenant);
    const { key, secret } = await db.$transaction(async (tx) => {
      const issued = await issueIngestKey(tx, { tenantId: tenant.id, name: input.name, expiresAt: input.expires ?? null });
      await recordCliEvent(tx, { tenantId: tenant.id, action: "ingest_key.create", target: `key:${issued.key.id}`, arguments: { name: input.name, scopes: issued.key.scopes }, outcome: "ok" });
      return issued;
    });
    return {
      data: { id: key.id, tenant: tenant.slug, name: key.name, kind: key.kind, scopes: key.scopes, displayPrefix: key.displayPrefix, expiresAt: key.expiresAt, secret },
      text: [
        `Created ingest key ${key.displayPrefix}… (${key.id}) for ${tenant.slug}: ${key.scopes.join(", ")}`,
        "",
        `  ${secret}`,
        "",
        "This secret is shown once. It works only on /api/ingest (never on /api/mcp).",
      ].join("\n"),
    };
  },
});

export const ingestSource = defineCommand({
  name: "ingest:source",
  summary: "Configure an ingest source (webhook secret, default store) or the tenant's staleness threshold",
  flags: {
    tenant: { type: "string", description: "Tenant slug", placeholder: "demo" },
    name: { type: "string", description: "Source name (created if new)", placeholder: "shopify" },
    "webhook-secret": { type: "boolean", description: "Generate a new Shopify webhook signing secret (printed once)" },
    "default-store": { type: "string", description: "Store code for webhook orders without a location", placeholder: "S01" },
    "stale-after": { type: "string", description: "Tenant-wide: answers say stale after a source is silent this long", placeholder: "24h" },
  },
  schema: z.object({
    tenant: TenantSlugSchema,
    name: SourceSchema.optional(),
    "webhook-secret": z.boolean().optional(),
    "default-store": z.string().trim().min(1).max(128).optional(),
    "stale-after": z
      .string()
      .regex(/^\d{1,5}[mhd]$/, "use a number followed by m, h or d, e.g. 24h")
      .transform((v) => Number(v.slice(0, -1)) * { m: 1, h: 60, d: 1440 }[v.slice(-1) as "m" | "h" | "d"])
      .optional(),
  }),
  examples: [
    "npx socode ingest:source --tenant demo --name shopify --webhook-secret --default-store S01",
    "npx socode ingest:source --tenant demo --stale-after 6h",
  ],
  run: async (ctx, input) => {
    const db = await ctx.db();
    const tenant = await tenantFlag(db, input.tenant);
    if (!input.name && input["stale-after"] === undefined) throw new CliError("nothing_to_do", "Name a source with --name, or set --stale-after.", 2);
    try {
      const result = await db.$transaction(async (tx) => {
        if (input["stale-after"] !== undefined) await setStaleThreshold(tx, tenant.id, input["stale-after"]);
        const source = input.name
          ? await configureIngestSource(tx, tenant.id, { name: input.name, defaultStoreCode: input["default-store"], rotateWebhookSecret: input["webhook-secret"] })
          : null;
        await recordCliEvent(tx, {
          tenantId: tenant.id,
          action: "ingest_source.configure",
          target: source ? `source:${source.name}` : `tenant:${tenant.slug}`,
          arguments: { name: input.name ?? null, defaultStore: input["default-store"] ?? null, webhookSecret: source?.webhookSecret ? "rotated" : "unchanged", staleAfterMinutes: input["stale-after"] ?? null },
          outcome: "ok",
        });
        return source;
      });
      const lines: string[] = [];
      if (input["stale-after"] !== undefined) lines.push(`Answers for ${tenant.slug} now say "stale" after a source is silent for ${input["stale-after"]} minutes.`);
      if (result) {
        lines.push(`Source ${result.name} (${result.id}) configured.`);
        if (result.webhookSecret) lines.push(`Webhook URL: <public URL>${shopifyWebhookPath(result.id)}`, `Signing secret (shown once): ${result.webhookSecret}`);
      }
      return { data: { source: result, staleAfterMinutes: input["stale-after"] ?? null }, text: lines.join("\n") };
    } catch (e) {
      if (e instanceof SourceInputError) throw new CliError(e.code, e.message, 2);
      throw e;
    }
  },
});

export const ingest = defineCommand({
  name: "ingest",
  summary: "Import an NDJSON or CSV file of stores, members, orders, redemptions or points (streaming)",
  positional: { name: "file", description: "an .ndjson/.jsonl or .csv file" },
  flags: {
    tenant: { type: "string", description: "Tenant slug", placeholder: "demo" },
    kind: { type: "string", description: INGEST_KINDS.join(" | "), placeholder: "orders" },
    source: { type: "string", description: "Source name the ids belong to (default: import)", placeholder: "pos" },
    partial: { type: "boolean", description: "Keep the good records of a batch with bad ones (default: a bad record refuses its batch)" },
    "batch-size": { type: "string", description: "Records per batch (default 1000)", placeholder: "1000" },
    report: { type: "string", description: "Where to write rejections (default: <file>.rejections.csv)", placeholder: "path" },
  },
  schema: z.object({
    file: z.string({ error: "name the file to import, e.g. npx socode ingest --tenant demo --kind orders orders.ndjson" }).min(1),
    tenant: TenantSlugSchema,
    kind: IngestKindSchema,
    source: SourceSchema.default("import"),
    partial: z.boolean().default(false),
    "batch-size": z.coerce.number().int().min(1).max(10_000).default(1000),
    report: z.string().min(1).optional(),
  }),
  examples: ["npx socode ingest --tenant demo --kind orders orders.ndjson", "npx socode ingest --tenant demo --kind members --source pos --partial members.csv"],
  run: async (ctx, input) => {
    // bin/socode.mjs runs from the project root; the file is relative to where the user typed the command.
    const callerCwd = (globalThis as { socodeCallerCwd?: string }).socodeCallerCwd ?? process.cwd();
    const file = path.resolve(callerCwd, input.file);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new CliError("file_not_found", `No file ${input.file}.`);
    const format = fileFormatOf(file);
    if (!format) throw new CliError("unknown_format", "The file must end in .ndjson, .jsonl or .csv.", 2);
    const db = await ctx.db();
    const tenant = await tenantFlag(db, input.tenant);
    const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: "ingest {bar} {percentage}% | {accepted} accepted, {duplicate} duplicate, {rejected} rejected", stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
    bar?.start(100, 0, { accepted: 0, duplicate: 0, rejected: 0 });
    let lastLine = 0;
    const summary = await importFile(db, {
      tenant,
      kind: input.kind,
      source: input.source,
      file,
      format,
      partial: input.partial,
      batchSize: input["batch-size"],
      reportPath: input.report ? path.resolve(callerCwd, input.report) : `${file}.rejections.csv`,
      actor: { type: "system", id: null, label: `cli:${os.userInfo().username}` },
      onProgress: (p) => {
        const pct = p.totalBytes ? Math.floor((p.bytesRead / p.totalBytes) * 100) : 100;
        if (bar) bar.update(pct, { accepted: p.accepted, duplicate: p.duplicate, rejected: p.rejected });
        else if (p.batches - lastLine >= 10) {
          lastLine = p.batches;
          ctx.progress(`${pct}%: ${p.accepted} accepted, ${p.duplicate} duplicate, ${p.rejected} rejected`);
        }
      },
    }).finally(() => bar?.stop());
    const lines = [
      `Imported ${path.basename(file)} into ${tenant.slug} (${input.kind}, source ${input.source}): ${summary.records} records in ${summary.batches} batches.`,
      `  accepted ${summary.accepted}, duplicate ${summary.duplicate}, rejected ${summary.rejected}`,
    ];
    if (summary.unwritten) lines.push(`  ${summary.unwritten} good records were not written because their batch was refused; fix the rejections and run again (sent ids are recognised), or use --partial.`);
    if (summary.reportPath) lines.push(`  rejection report: ${summary.reportPath}`);
    if (summary.rejected && !summary.accepted && !summary.duplicate) throw new CliError("import_rejected", `${lines.join("\n")}\nNothing was imported.`);
    return { data: summary, text: lines.join("\n") };
  },
});
