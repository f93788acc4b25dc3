// First start on an empty database: seed the demo tenants and create demo console users, so a
// newcomer can sign in and ask real questions straight away. Development only; the generated
// passwords live in the data folder (git-ignored) and are printed at start.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { hashPassword } from "@/lib/auth/passwords";
import type { Db } from "@/lib/db/client";
import { env } from "@/lib/env";
import type { Role } from "@/lib/generated/prisma/enums";
import { seedDemo } from "@/lib/demo/seed-demo";

const DEMO_USERS: { email: string; name: string; tenant: string; roles: Role[] }[] = [
  { email: "admin@demo.test", name: "Ada Admin", tenant: "demo", roles: ["admin"] },
  { email: "approver@demo.test", name: "Avery Approver", tenant: "demo", roles: ["approver"] },
  { email: "auditor@demo.test", name: "Audrey Auditor", tenant: "demo", roles: ["auditor"] },
  { email: "admin@demo-b.test", name: "Bo Admin", tenant: "demo-b", roles: ["admin", "approver", "auditor"] },
];

const CredentialsSchema = z.object({ password: z.string(), users: z.array(z.object({ email: z.string(), tenant: z.string(), roles: z.array(z.string()) })) });
export type DemoCredentials = z.infer<typeof CredentialsSchema>;

function credentialsFile(): string {
  return path.join(path.resolve(env().SOCODE_DATA_DIR), "demo-credentials.json");
}

export function readDemoCredentials(): DemoCredentials | undefined {
  try {
    const parsed = CredentialsSchema.safeParse(JSON.parse(fs.readFileSync(credentialsFile(), "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export type FirstRunResult = { seeded: boolean; credentials?: DemoCredentials };

/** Seeds the demo workspace when the database has no tenants yet. */
export async function ensureDemoWorkspace(db: Db, onProgress: (m: string) => void = () => {}): Promise<FirstRunResult> {
  if ((await db.tenant.count()) > 0) return { seeded: false, credentials: readDemoCredentials() };
  onProgress("Empty database: seeding the demo tenants (demo, demo-b)…");
  await seedDemo(db, { onProgress });
  const password = crypto.randomBytes(9).toString("base64url");
  const passwordHash = await hashPassword(password);
  for (const u of DEMO_USERS) {
    const tenant = await db.tenant.findUniqueOrThrow({ where: { slug: u.tenant } });
    await db.$transaction(async (tx) => {
      const user = await tx.user.create({ data: { email: u.email, name: u.name, passwordHash } });
      await tx.membership.create({ data: { tenantId: tenant.id, userId: user.id, roles: u.roles } });
      await recordAuditEvent(tx, {
        tenantId: tenant.id,
        actorType: "system",
        actorLabel: "first-run",
        surface: "system",
        action: "user.create",
        target: `user:${u.email}`,
        arguments: { email: u.email, roles: u.roles },
        outcome: "ok",
      });
    });
  }
  const credentials: DemoCredentials = { password, users: DEMO_USERS.map(({ email, tenant, roles }) => ({ email, tenant, roles })) };
  fs.writeFileSync(credentialsFile(), JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return { seeded: true, credentials };
}
