// GET /api/console/<tenant>/skill: the flash-operations skill as a zip, for signed-in console users.
import { packageSkill, SKILL_NAME } from "@/lib/skill/package-skill";
import { authorizeConsoleAction, ConsoleAccessError } from "@/lib/console/session";

export const dynamic = "force-dynamic";

export async function GET(_req: Request, { params }: { params: Promise<{ tenant: string }> }): Promise<Response> {
  const { tenant } = await params;
  try {
    await authorizeConsoleAction({ tenant, action: "skill.download", label: "Downloading the skill" });
  } catch (err) {
    if (err instanceof ConsoleAccessError) return Response.json({ error: { code: err.code, message: err.message } }, { status: err.status });
    throw err;
  }
  const zip = packageSkill();
  return new Response(Buffer.from(zip), {
    headers: {
      "Content-Type": "application/zip",
      "Content-Disposition": `attachment; filename="${SKILL_NAME}.zip"`,
      "Cache-Control": "no-store",
    },
  });
}
