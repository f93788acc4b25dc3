import { checkHealth } from "@/lib/health";
import pkg from "@/package.json" with { type: "json" };

export const dynamic = "force-dynamic";

export async function GET() {
  const health = await checkHealth(pkg.version);
  return Response.json(health, {
    status: health.status === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
