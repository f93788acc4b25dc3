// `socode dev` / `socode start`: prepare the database (migrate; seed the demo on first run), then
// run Next.js. In embedded mode this process owns the PGlite folder and Next connects to it as a
// client, exactly like the CLI in another terminal does.
import { spawn } from "node:child_process";
import path from "node:path";
import { createRequire } from "node:module";
import { z } from "zod";
import { prepareDatabase } from "@/lib/db/ready";
import { purgeExpiredOAuthSecrets } from "@/lib/oauth/tokens";
import { purgeSlackDeliveries } from "@/lib/slack/deliveries";
import { env } from "@/lib/env";
import { MissingSecretError, sessionSecret } from "@/lib/secrets";
import { CliError, defineCommand, type CliContext } from "../command";

const ServeSchema = z.object({
  port: z.coerce.number().int().min(1).max(65535).optional(),
  hostname: z.string().min(1).optional(),
});

async function serve(ctx: CliContext, mode: "dev" | "start", input: z.output<typeof ServeSchema>) {
  const e = env();
  const port = input.port ?? e.PORT;
  if (mode === "start" && !e.NEXTAUTH_SECRET) {
    throw new CliError(
      "missing_secret",
      "NEXTAUTH_SECRET is not set. Production needs it: generate one with `openssl rand -base64 32` and export it.",
    );
  }
  let secret: string;
  try {
    secret = sessionSecret();
  } catch (err) {
    if (err instanceof MissingSecretError) throw new CliError(err.code, err.message);
    throw err;
  }
  const { handle, migrated } = await prepareDatabase();
  if (migrated.applied.length) ctx.progress(`Applied migrations: ${migrated.applied.join(", ")}`);
  await purgeExpiredOAuthSecrets(handle.db);
  await purgeSlackDeliveries(handle.db);
  const seed = e.SOCODE_SEED_DEMO ?? mode === "dev";
  // Loaded only here: the demo generator is not needed by any other command.
  const { ensureDemoWorkspace } = await import("@/lib/setup/first-run");
  const firstRun = seed ? await ensureDemoWorkspace(handle.db, ctx.progress) : { seeded: false };

  const url = e.SOCODE_PUBLIC_URL ?? `http://localhost:${port}`;
  const banner = [
    "",
    `  SoCode is starting at ${url}`,
    `  MCP endpoint:   ${url}/api/mcp`,
    `  Database:       ${handle.target.kind === "embedded" ? `embedded PGlite in ${handle.target.dataDir}` : "PostgreSQL (DATABASE_URL)"}`,
  ];
  if ("credentials" in firstRun && firstRun.credentials) {
    banner.push(`  Console users:  ${firstRun.credentials.users.map((u) => u.email).join(", ")}`);
    banner.push(`  Password:       ${firstRun.credentials.password}   (development only; stored in the data folder)`);
  }
  banner.push(`  Issue an MCP key: npx socode key:create --tenant demo --name "Claude Code"`, "");
  ctx.progress(banner.join("\n"));

  const require = createRequire(path.join(process.cwd(), "package.json"));
  // Production runs Next.js behind our method check (bin/socode-server.mjs); development runs `next dev`.
  const entry = mode === "start" ? path.resolve("bin/socode-server.mjs") : require.resolve("next/dist/bin/next");
  const args = [entry, ...(mode === "dev" ? ["dev"] : []), "--port", String(port), ...(input.hostname ? ["--hostname", input.hostname] : [])];
  const child = spawn(process.execPath, args, {
    stdio: "inherit",
    env: {
      ...process.env,
      SOCODE_DATA_DIR: path.resolve(e.SOCODE_DATA_DIR),
      NEXTAUTH_SECRET: secret,
      NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? url,
      NODE_ENV: mode === "dev" ? "development" : "production",
    },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  const code = await new Promise<number>((resolve) => child.on("exit", (c, s) => resolve(c ?? (s ? 0 : 1))));
  process.off("SIGINT", forward);
  process.off("SIGTERM", forward);
  return { data: { exitCode: code }, text: code === 0 ? "SoCode stopped." : `Next.js exited with code ${code}.` };
}

const flags = {
  port: { type: "string", description: "Port (default PORT or 3000)", placeholder: "3000" },
  hostname: { type: "string", description: "Interface to bind (default: all)", placeholder: "127.0.0.1" },
} as const;

export const dev = defineCommand({
  name: "dev",
  summary: "Run the console and MCP endpoint in development (migrates; seeds the demo on first run)",
  flags,
  schema: ServeSchema,
  run: (ctx, input) => serve(ctx, "dev", input),
});

export const start = defineCommand({
  name: "start",
  summary: "Run the built app in production (after `npm run build`; needs NEXTAUTH_SECRET)",
  flags,
  schema: ServeSchema,
  run: (ctx, input) => serve(ctx, "start", input),
});
