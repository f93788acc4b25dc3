import NextAuth from "next-auth";
import { authOptions } from "@/lib/console/auth-options";

export const dynamic = "force-dynamic";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

// Options are built per request: the session secret is needed at run time, not at build time.
async function handler(req: Request, context: RouteContext): Promise<Response> {
  const nextAuth = NextAuth(authOptions()) as (req: Request, context: RouteContext) => Promise<Response>;
  return nextAuth(req, context);
}

export { handler as GET, handler as POST };
