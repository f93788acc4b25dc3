// Every CLI command, in the order `socode --help` lists them.
import type { Command } from "../command";
import { auditCheckpoint, auditVerify } from "./audit";
import { dbDrift, dbMigrate, dbMigrationCreate } from "./db";
import { demoSeed } from "./demo-seed";
import { ingest, ingestKeyCreate, ingestSource } from "./ingest";
import { keyCreate, keyList, keyRevoke } from "./key";
import { oauthPurge } from "./oauth";
import { rollupsRebuild, rollupsRefresh } from "./rollups-rebuild";
import { dev, start } from "./serve";
import { tenantCreate } from "./tenant";
import { userCreate } from "./user";
import { writesApprove, writesList, writesReject } from "./writes";

export const COMMANDS: Command[] = [
  dev,
  start,
  dbMigrate,
  dbMigrationCreate,
  dbDrift,
  tenantCreate,
  userCreate,
  keyCreate,
  keyList,
  keyRevoke,
  ingestKeyCreate,
  ingestSource,
  ingest,
  writesList,
  writesApprove,
  writesReject,
  auditVerify,
  auditCheckpoint,
  oauthPurge,
  rollupsRebuild,
  rollupsRefresh,
  demoSeed,
] as Command[];
