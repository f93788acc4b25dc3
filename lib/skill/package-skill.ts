// The flash-operations Claude Code skill as a zip, built from skills/flash-operations at request
// time, so the download is always the skill this server ships.
import fs from "node:fs";
import path from "node:path";
import { zipSync } from "fflate";

export const SKILL_NAME = "flash-operations";

function collect(dir: string, prefix: string, out: Record<string, Uint8Array>): void {
  for (const entry of fs.readdirSync(/* turbopackIgnore: true */ dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const name = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) collect(full, name, out);
    else if (entry.isFile()) out[name] = new Uint8Array(fs.readFileSync(/* turbopackIgnore: true */ full));
  }
}

/** A zip whose single top-level folder, flash-operations/, unzips straight into ~/.claude/skills/. */
export function packageSkill(root: string = path.join(process.cwd(), "skills", SKILL_NAME)): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  collect(root, SKILL_NAME, files);
  if (!files[`${SKILL_NAME}/SKILL.md`]) throw new Error(`${root} has no SKILL.md`);
  return zipSync(files, { level: 6, mtime: new Date("2026-01-01T00:00:00Z") });
}
