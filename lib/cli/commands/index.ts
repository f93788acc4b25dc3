// Every CLI command, in the order `socode --help` lists them.
import type { Command } from "../command";
import { auditVerify } from "./audit";
import { dbDrift, dbMigrate, dbMigrationCreate } from "./db";
import { keyCreate, keyList, keyRevoke } from "./key";
import { dev, start } from "./serve";
import { tenantCreate } from "./tenant";
import { userCreate } from "./user";

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
  auditVerify,
] as Command[];
