// next-auth configuration: credentials (argon2id, throttled) and an optional OIDC provider from the
// environment; stateless JWT sessions with a bounded lifetime. The session carries only the user id
// and the session version it was issued under; roles are read from the database on every request
// (./access.ts), so changes apply at once, and a session whose version was raised (sign out
// everywhere, deactivation, a removed role) stops counting (./session-revocation.ts).
// Built lazily: the session secret is required only when a request needs it, not at build time.
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { z } from "zod";
import { audit } from "@/lib/audit/record-audit-event";
import { getReadyDb } from "@/lib/db/ready";
import { env } from "@/lib/env";
import { sessionSecret } from "@/lib/secrets";
import { safeCallbackPath } from "./callback-url";
import { currentSessionVersion, sessionVersions } from "./session-revocation";
import { clientIp, signInWithPassword } from "./sign-in";

const OidcProfileSchema = z.object({
  sub: z.string().min(1),
  email: z.string().email(),
  email_verified: z.boolean().optional(),
  name: z.string().optional(),
});
type OidcProfile = z.infer<typeof OidcProfileSchema>;

const TokenUserSchema = z.object({ uid: z.string().uuid() });
// Tokens issued before session versions existed carry none: they belong to version 0.
const TokenStampSchema = TokenUserSchema.extend({ sv: z.number().int().min(0).default(0) });

function oidcProvider(): OAuthConfig<OidcProfile> | null {
  const e = env();
  if (!e.SOCODE_OIDC_ISSUER || !e.SOCODE_OIDC_CLIENT_ID || !e.SOCODE_OIDC_CLIENT_SECRET) return null;
  return {
    id: "oidc",
    name: e.SOCODE_OIDC_NAME,
    type: "oauth",
    wellKnown: `${e.SOCODE_OIDC_ISSUER.replace(/\/$/, "")}/.well-known/openid-configuration`,
    clientId: e.SOCODE_OIDC_CLIENT_ID,
    clientSecret: e.SOCODE_OIDC_CLIENT_SECRET,
    authorization: { params: { scope: "openid email profile" } },
    idToken: true,
    checks: ["pkce", "state", "nonce"],
    profile(profile) {
      const p = OidcProfileSchema.parse(profile);
      return { id: p.sub, email: p.email.toLowerCase(), name: p.name ?? p.email };
    },
  };
}

export function oidcEnabled(): { name: string } | null {
  const provider = oidcProvider();
  return provider ? { name: provider.name } : null;
}

export function sessionMaxAgeSeconds(): number {
  return env().SOCODE_SESSION_MAX_AGE_HOURS * 3600;
}

function stripUser<T extends Record<string, unknown>>(token: T): T {
  const { uid: _uid, sv: _sv, ...rest } = token;
  return rest as T;
}

export function authOptions(): NextAuthOptions {
  const maxAge = sessionMaxAgeSeconds();
  const oidc = oidcProvider();
  return {
    secret: sessionSecret(),
    session: { strategy: "jwt", maxAge, updateAge: 15 * 60 },
    jwt: { maxAge },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    providers: [
      CredentialsProvider({
        id: "credentials",
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(credentials, req) {
          const db = await getReadyDb();
          const result = await signInWithPassword(db, {
            email: credentials?.email,
            password: credentials?.password,
            ip: clientIp(req.headers ?? {}),
          });
          // The message becomes the `error` the sign-in page shows (a code, never a detail).
          if (!result.ok) throw new Error(result.code);
          return result.user;
        },
      }),
      ...(oidc ? [oidc] : []),
    ],
    events: {
      async signOut({ token }) {
        const parsed = TokenUserSchema.safeParse(token);
        if (!parsed.success) return;
        const db = await getReadyDb();
        await audit(db, {
          tenantId: null,
          actorType: "user",
          actorId: parsed.data.uid,
          actorLabel: typeof token.email === "string" ? token.email : null,
          surface: "console",
          action: "console.sign_out",
          target: `user:${parsed.data.uid}`,
          outcome: "ok",
        });
      },
    },
    callbacks: {
      async signIn({ account, user }) {
        if (account?.provider !== "oidc") return true;
        // OIDC signs in existing, active console users only; it never creates one.
        const email = typeof user.email === "string" ? user.email.toLowerCase() : "";
        const db = await getReadyDb();
        const known = email ? await db.user.findUnique({ where: { email } }) : null;
        const allowed = Boolean(known?.active);
        await audit(db, {
          tenantId: null,
          actorType: known ? "user" : "anonymous",
          actorId: known?.id ?? null,
          actorLabel: known?.email ?? null,
          surface: "console",
          action: "console.sign_in",
          target: known ? `user:${known.id}` : null,
          arguments: { method: "oidc" },
          outcome: allowed ? "ok" : "denied",
          errorCode: allowed ? null : "oidc_not_allowed",
        });
        if (!known || !allowed) return "/sign-in?error=oidc_not_allowed";
        await db.user.update({ where: { id: known.id }, data: { lastSignInAt: new Date() } });
        return true;
      },
      async jwt({ token, user, account }) {
        const db = await getReadyDb();
        if (user && account?.provider === "credentials") {
          token.uid = user.id;
        } else if (user && account?.provider === "oidc" && typeof user.email === "string") {
          const known = await db.user.findUnique({ where: { email: user.email.toLowerCase() }, select: { id: true } });
          if (known) token.uid = known.id;
        }
        if (user) {
          // A new session is stamped with the user's current version.
          const version = typeof token.uid === "string" ? await currentSessionVersion(db, token.uid) : null;
          if (version === null) return stripUser(token);
          token.sv = version;
          return token;
        }
        const stamp = TokenStampSchema.safeParse(token);
        if (!stamp.success) return stripUser(token);
        // A revoked session keeps its cookie but no longer names a user: the guard sends it to sign-in.
        return (await sessionVersions().isCurrent(db, stamp.data)) ? token : stripUser(token);
      },
      async session({ session, token }) {
        const parsed = TokenUserSchema.safeParse(token);
        return { ...session, user: { ...session.user, id: parsed.success ? parsed.data.uid : undefined } };
      },
      async redirect({ url, baseUrl }) {
        // Never send a signed-in user to another site.
        return `${baseUrl}${safeCallbackPath(url, baseUrl)}`;
      },
    },
  };
}
