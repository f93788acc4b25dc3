// Parses `socode <command> [--flags]`, validates the flags with the command's schema, runs it and
// prints the result (text, or JSON with --json). Errors print a clear message and exit non-zero.
import { parseArgs } from "node:util";
import { closeDatabase } from "@/lib/db/client";
import { getReadyDb } from "@/lib/db/ready";
import { env, EnvError } from "@/lib/env";
import { CliError, type Command, type FlagSpec } from "./command";
import { COMMANDS } from "./commands";

const GLOBAL_FLAGS: Record<string, FlagSpec> = {
  json: { type: "boolean", description: "Print the result as JSON" },
  help: { type: "boolean", description: "Show help for the command" },
};

function flagLine(name: string, spec: FlagSpec): string {
  const left = spec.type === "string" ? `--${name} <${spec.placeholder ?? "value"}>` : `--${name}`;
  return `  ${left.padEnd(34)} ${spec.description}`;
}

export function commandHelp(command: Command): string {
  const lines = [`socode ${command.name} — ${command.summary}`, ""];
  if (command.positional) lines.push(`Usage: npx socode ${command.name} [flags] <${command.positional.name}>   ${command.positional.description}`, "");
  lines.push("Flags:");
  for (const [name, spec] of Object.entries({ ...command.flags, ...GLOBAL_FLAGS })) lines.push(flagLine(name, spec));
  if (command.examples?.length) lines.push("", "Examples:", ...command.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}

export function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "SoCode admin CLI",
    "",
    "Usage: npx socode <command> [flags]   (or npm run socode -- <command> [flags])",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width + 2)}${c.summary}`),
    "",
    "Run `npx socode <command> --help` for a command's flags. Every command accepts --json.",
  ].join("\n");
}

type Output = { out: (s: string) => void; err: (s: string) => void };

const defaultOutput: Output = {
  out: (s) => process.stdout.write(s.endsWith("\n") ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith("\n") ? s : `${s}\n`),
};

function closest(name: string): string | undefined {
  const prefix = name.split(":")[0] ?? name;
  return COMMANDS.find((c) => c.name.startsWith(prefix))?.name;
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[], io: Output = defaultOutput): Promise<number> {
  const [name, ...rest] = argv;
  const wantsJson = rest.includes("--json");
  const fail = (error: CliError): number => {
    if (wantsJson) io.out(JSON.stringify({ error: { code: error.code, message: error.message } }));
    else io.err(`error: ${error.message}`);
    return error.exitCode;
  };

  if (!name || name === "--help" || name === "help" || name === "-h") {
    io.out(generalHelp());
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const hint = closest(name);
    return fail(
      new CliError("unknown_command", `Unknown command "${name}".${hint ? ` Did you mean "${hint}"?` : ""} Run \`npx socode --help\` for the list.`, 2),
    );
  }

  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(
      Object.entries({ ...command.flags, ...GLOBAL_FLAGS }).map(([flag, spec]) => [flag, { type: spec.type }]),
    );
    const parsedArgs = parseArgs({ args: rest, options, strict: true, allowPositionals: Boolean(command.positional) });
    values = parsedArgs.values as typeof values;
    if (command.positional) {
      if (parsedArgs.positionals.length > 1) throw new Error(`Expected one ${command.positional.name}, got ${parsedArgs.positionals.length}`);
      values[command.positional.name] = parsedArgs.positionals[0];
    }
  } catch (err) {
    const message = err instanceof Error ? err.message.replace(/^TypeError \[\w+\]: /, "") : String(err);
    return fail(new CliError("invalid_flags", `${message}. Run \`npx socode ${command.name} --help\`.`, 2));
  }
  if (values.help) {
    io.out(commandHelp(command));
    return 0;
  }
  const { json: _json, help: _help, ...flagValues } = values;
  const parsed = command.schema.safeParse(flagValues);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => (i.path.length ? `--${i.path.join(".")}: ${i.message}` : i.message))
      .join("; ");
    return fail(new CliError("invalid_flags", `${problems}. Run \`npx socode ${command.name} --help\`.`, 2));
  }

  try {
    env(); // every command checks the whole environment first, whether or not it opens the database
    const result = await command.run(
      { db: getReadyDb, progress: (m) => (wantsJson ? undefined : io.err(m)) },
      parsed.data,
    );
    io.out(wantsJson ? JSON.stringify(result.data, jsonReplacer, 2) : result.text);
    return 0;
  } catch (err) {
    if (err instanceof CliError) return fail(err);
    // Every problem with the environment, one per line: the user has to fix them all.
    if (err instanceof EnvError) return fail(new CliError(err.code, err.message));
    const message = err instanceof Error ? err.message : String(err);
    return fail(new CliError("command_failed", message.split("\n")[0] ?? message));
  } finally {
    await closeDatabase();
  }
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
