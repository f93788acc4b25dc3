// The house's layering, checked on every run: lib/ rooms depend downward only (surfaces →
// operations → governance/writes → loyalty/semantic/audit → db), and no module imports itself back
// through a chain of imports. Type-only imports count too: they shape what a room must know about.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const LIB = path.resolve("lib");

/** Lower rank = lower layer. A room may import rooms of lower rank; equal rank only without a cycle. */
const RANK: Record<string, number> = {
  generated: 0, env: 0, ids: 0, errors: 0, pii: 0, http: 0, skill: 0, "unknown-fields": 0,
  db: 1, secrets: 1,
  audit: 2, semantic: 2, loyalty: 2, demo: 3,
  governance: 3, auth: 4, writes: 4,
  operations: 5,
  // Surfaces: the console's access rules are reused by the OAuth consent, whose tokens the MCP endpoint verifies.
  console: 6, health: 6, setup: 6, oauth: 7, mcp: 8, slack: 8, ingest: 8, cli: 9,
};

type Module = { file: string; room: string; imports: string[] };

function roomOf(file: string): string {
  const [first = "", ...rest] = path.relative(LIB, file).split(path.sep);
  return rest.length === 0 ? first.replace(/\.tsx?$/, "") : first;
}

function resolveImport(from: string, spec: string): string | null {
  let base: string;
  if (spec.startsWith("@/lib/")) base = path.resolve(LIB, spec.slice("@/lib/".length));
  else if (spec.startsWith(".")) base = path.resolve(path.dirname(from), spec);
  else return null;
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return null;
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "generated" ? [] : sources(full);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && !entry.name.includes("test-helper") && !entry.name.includes("test-fixtures") ? [full] : [];
  });
}

function modules(): Module[] {
  return sources(LIB).map((file) => {
    const text = fs.readFileSync(file, "utf8");
    const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/g)].map((m) => m[1] ?? "");
    const imports = specs.map((s) => resolveImport(file, s)).filter((f): f is string => f !== null && !f.includes(`${path.sep}generated${path.sep}`));
    return { file, room: roomOf(file), imports };
  });
}

describe("lib/ layering", () => {
  const mods = modules();

  it("knows every room's layer", () => {
    expect([...new Set(mods.map((m) => m.room))].filter((r) => RANK[r] === undefined)).toEqual([]);
  });

  it("has rooms depending downward only", () => {
    const upward = mods.flatMap((m) =>
      m.imports
        .map((target) => ({ target, room: roomOf(target) }))
        .filter(({ room }) => room !== m.room && (RANK[room] ?? 99) > (RANK[m.room] ?? -1))
        .map(({ target }) => `${path.relative(LIB, m.file)} (${m.room}) → ${path.relative(LIB, target)} (${roomOf(target)})`),
    );
    expect(upward).toEqual([]);
  });

  it("has no import cycle between rooms or between files", () => {
    const roomEdges = new Map<string, Set<string>>();
    for (const m of mods) {
      const targets = roomEdges.get(m.room) ?? new Set<string>();
      for (const t of m.imports) if (roomOf(t) !== m.room) targets.add(roomOf(t));
      roomEdges.set(m.room, targets);
    }
    const fileEdges = new Map(mods.map((m) => [m.file, new Set(m.imports)]));
    const cycles = [...findCycles(roomEdges), ...findCycles(fileEdges).map((c) => c.map((f) => path.relative(LIB, f)))];
    expect(cycles.map((c) => c.join(" → "))).toEqual([]);
  });
});

/** Each cycle once, found by depth-first search over the graph. */
function findCycles(edges: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "active");
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === "active") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return cycles;
}
