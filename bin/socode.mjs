#!/usr/bin/env node
// `npx socode …` — the SoCode admin CLI. Runs the TypeScript sources directly through tsx.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// Relative paths the user typed (e.g. `socode ingest orders.ndjson`) are relative to where they ran it.
globalThis.socodeCallerCwd = process.cwd();
process.chdir(root);
register({ tsconfig: path.join(root, "tsconfig.json") });
const { main } = await import("../lib/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
