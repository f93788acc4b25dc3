// Prisma's real schema engine, compiled to WebAssembly (@prisma/schema-engine-wasm).
//
// The Prisma CLI would download a native schema-engine binary, which this network cannot reach.
// The WASM build is the same engine: it diffs schemas, writes migration SQL and applies
// migrations through a driver adapter, keeping prisma/migrations and _prisma_migrations
// compatible with `prisma migrate deploy`. Node 20 cannot import .wasm as an ES module, so the
// module is instantiated by hand against its JS glue.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type * as EngineModule from "@prisma/schema-engine-wasm";
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";

export type SchemaEngine = EngineModule.SchemaEngine;
export type MigrationList = EngineModule.MigrationList;

type Glue = typeof EngineModule & {
  __wbg_set_wasm: (exports: WebAssembly.Exports) => void;
};

let loading: Promise<typeof EngineModule.SchemaEngine> | undefined;

function packageDir(): string {
  const require = createRequire(path.join(process.cwd(), "package.json"));
  return path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg"));
}

async function loadEngineClass(): Promise<typeof EngineModule.SchemaEngine> {
  const dir = packageDir();
  const glue = (await import(
    /* webpackIgnore: true */ pathToFileURL(path.join(dir, "schema_engine_bg.js")).href
  )) as Glue;
  const bytes = fs.readFileSync(path.join(dir, "schema_engine_bg.wasm"));
  const { instance } = await WebAssembly.instantiate(bytes, {
    "./schema_engine_bg.js": glue as unknown as WebAssembly.ModuleImports,
  });
  glue.__wbg_set_wasm(instance.exports);
  const start = instance.exports.__wbindgen_start;
  if (typeof start === "function") start();
  return glue.SchemaEngine;
}

/** Starts a schema engine for `schemaPath` over a migration-aware driver adapter factory. */
export async function startSchemaEngine(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  schemaPath: string,
): Promise<SchemaEngine> {
  loading ??= loadEngineClass();
  const SchemaEngineClass = await loading;
  const schema = fs.readFileSync(schemaPath, "utf8");
  return SchemaEngineClass.new(
    { datamodels: [[schemaPath, schema]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
}
