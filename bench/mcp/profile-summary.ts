// Where did the app's CPU time go? Reads the V8 .cpuprofile files `node --cpu-prof` wrote (one per
// process; the busiest is the Next server) and sums self time by area (idle, GC, Next.js, the MCP
// SDK, zod, Prisma, the pg driver, SoCode's own code…) and by function. Next bundles server code
// into chunks; a frame in a chunk is traced back to its original module through the chunk's source
// map (node:module's SourceMap), so bundled packages and lib/ are told apart.
//
//   npx tsx bench/mcp/profile-summary.ts <dir-with-.cpuprofile-files>
import fs from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; hitCount?: number; children?: number[] };
type CpuProfile = { nodes: ProfileNode[]; samples?: number[]; timeDeltas?: number[]; startTime: number; endTime: number };

const AREAS: [string, RegExp][] = [
  ["idle (waiting on I/O)", /^\(idle\)$/],
  ["garbage collection", /^\(garbage collector\)$/],
  ["V8/native (program)", /^\(program\)$/],
  ["MCP SDK", /modelcontextprotocol/],
  ["ajv (JSON Schema)", /[/_]ajv[/_]/],
  ["zod", /[/_]zod[/_]/],
  ["Prisma client", /prisma|query_compiler|wasm:\/\//],
  ["pg driver", /[/_]pg(-protocol|-pool|-types)?[/_]/],
  ["Next.js", /[/_]next[/_]|next-server|app-route|node_modules\/next/],
  ["SoCode lib/", /\[project\]\/lib\/|\/lib\/(mcp|auth|db|semantic|operations|governance|audit|oauth|writes|loyalty)\//],
  ["SoCode app/", /\[project\]\/app\//],
  ["node core (http, streams, crypto)", /^node:|^internal\//],
];

const maps = new Map<string, SourceMap | null>();

/** The original module of a frame in a bundled chunk, via the chunk's .map (null when there is none). */
function originalSource(frame: ProfileNode["callFrame"]): string | null {
  if (!/\.next\/server/.test(frame.url)) return null;
  let map = maps.get(frame.url);
  if (map === undefined) {
    try {
      const file = frame.url.startsWith("file:") ? fileURLToPath(frame.url) : frame.url;
      map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, "utf8")));
    } catch {
      map = null;
    }
    maps.set(frame.url, map);
  }
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string } | undefined;
  return entry?.originalSource ?? null;
}

function areaOf(frame: ProfileNode["callFrame"]): string {
  if (frame.url === "" && /^\(.*\)$/.test(frame.functionName)) {
    for (const [area, re] of AREAS) if (re.test(frame.functionName)) return area;
    return frame.functionName;
  }
  const source = originalSource(frame);
  if (source) {
    for (const [area, re] of AREAS.slice(3)) if (re.test(source)) return area;
    return `bundled: ${source.replace(/^.*\[project\]\//, "").replace(/^node_modules\/((@[^/]+\/)?[^/]+).*$/, "$1")}`;
  }
  for (const [area, re] of AREAS.slice(3)) if (re.test(frame.url)) return area;
  if (/\.next\/server/.test(frame.url)) return "app bundle (SoCode lib/ and bundled packages)";
  if (frame.url === "") return "native / builtins";
  return "other";
}

export type ProfileSummary = {
  file: string;
  seconds: number;
  areas: { area: string; percent: number }[];
  topFunctions: { fn: string; area: string; percent: number }[];
};

export function summariseProfile(file: string): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, deltas[i + 1] ?? deltas[i] ?? 0));
  }
  let total = 0;
  const areas = new Map<string, number>();
  const fns = new Map<string, { area: string; us: number }>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    total += us;
    const area = areaOf(node.callFrame);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const source = originalSource(node.callFrame);
    const fn = `${node.callFrame.functionName || "(anonymous)"} ${source ? source.replace(/^.*\[project\]\//, "") : `${path.basename(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`}`;
    const entry = fns.get(fn) ?? { area, us: 0 };
    entry.us += us;
    fns.set(fn, entry);
  }
  const pct = (us: number) => Number(((100 * us) / Math.max(1, total)).toFixed(1));
  return {
    file: path.basename(file),
    seconds: Number((total / 1e6).toFixed(1)),
    areas: [...areas].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, percent: pct(us) })),
    topFunctions: [...fns]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, 25)
      .map(([fn, { area, us }]) => ({ fn, area, percent: pct(us) })),
  };
}

/** Summarises the busiest profile in `dir` (the Next server; the launcher process is near idle). */
export function summariseProfiles(dir: string): ProfileSummary | undefined {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).map((f) => path.join(dir, f));
  const summaries = files.map(summariseProfile);
  const busiest = (s: ProfileSummary) => s.seconds * (1 - (s.areas.find((a) => a.area.startsWith("idle"))?.percent ?? 0) / 100);
  return summaries.sort((a, b) => busiest(b) - busiest(a))[0];
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const dir = process.argv[2];
  if (!dir) throw new Error("usage: profile-summary.ts <dir>");
  console.log(JSON.stringify(summariseProfiles(dir), null, 2));
}
