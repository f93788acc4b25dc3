// The method table the production server checks must say what the route files export: a route that
// gains or loses a method without the table following would be refused or let through wrongly.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { allowedMethods, ROUTE_HANDLERS } from "./allowed-methods.mjs";

const HTTP = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const appDir = path.resolve(import.meta.dirname, "../../app");

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return routeFiles(full);
    return e.name === "route.ts" ? [full] : [];
  });
}

/** The HTTP methods a route.ts exports (`export function GET`, `export const POST =`, `export { h as GET }`). */
function exportedMethods(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const names: string[] = [];
  const exported = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const statement of source.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name && exported(statement)) names.push(statement.name.text);
    if (ts.isVariableStatement(statement) && exported(statement)) {
      for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
    }
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const e of statement.exportClause.elements) names.push(e.name.text);
    }
  }
  return names.filter((n) => HTTP.has(n)).sort();
}

/** app/oauth/token/route.ts → /oauth/token; [tenant] → *; [...nextauth] → **. */
function patternOf(file: string): string {
  const dir = path.relative(appDir, path.dirname(file)).split(path.sep);
  return `/${dir.map((s) => (s.startsWith("[...") ? "**" : s.startsWith("[") ? "*" : s)).join("/")}`;
}

describe("the method table", () => {
  it("lists every route handler with exactly the methods its route.ts exports", () => {
    const fromFiles = Object.fromEntries(routeFiles(appDir).map((f) => [patternOf(f), exportedMethods(f)]));
    const fromTable = Object.fromEntries(ROUTE_HANDLERS.map(([pattern, methods]) => [pattern, [...methods].sort()]));
    expect(fromTable).toEqual(fromFiles);
  });

  it("adds what Next.js answers by itself (HEAD beside GET, OPTIONS) and treats other paths as pages", () => {
    expect(allowedMethods("/api/health")).toEqual({ kind: "route", methods: ["GET", "HEAD", "OPTIONS"] });
    expect(allowedMethods("/api/health/")).toEqual({ kind: "route", methods: ["GET", "HEAD", "OPTIONS"] });
    expect(allowedMethods("/api/mcp")).toEqual({ kind: "route", methods: ["GET", "HEAD", "POST", "DELETE", "OPTIONS"] });
    expect(allowedMethods("/oauth/token")).toEqual({ kind: "route", methods: ["POST", "OPTIONS"] });
    expect(allowedMethods("/api/auth/callback/credentials").kind).toBe("route");
    expect(allowedMethods("/t/demo/audit/export").kind).toBe("route");
    expect(allowedMethods("/t/demo/audit/7")).toEqual({ kind: "page", methods: ["GET", "HEAD", "POST", "OPTIONS"] });
    expect(allowedMethods("/").kind).toBe("page");
  });
});
