import { describe, expect, it } from "vitest";
import { connect } from "./client";
import { isDatabaseUnavailable } from "./unavailable";

describe("isDatabaseUnavailable", () => {
  it("recognises a server that is not listening (the real Prisma error)", async () => {
    const handle = await connect({ kind: "server", url: "postgresql://postgres@127.0.0.1:1/none" });
    try {
      const err = await handle.db.$queryRaw`SELECT 1`.then(() => null, (e: unknown) => e);
      expect(err).not.toBeNull();
      expect(isDatabaseUnavailable(err)).toBe(true);
    } finally {
      await handle.db.$disconnect();
    }
  });

  it("recognises a connection terminated by a shutting-down server (P2039/P2010 with SQLSTATE 57P01/57P03)", () => {
    // The shape Prisma 7 + @prisma/adapter-pg produce when PostgreSQL stops mid-query.
    const adapterError = Object.assign(new Error("terminating connection due to administrator command"), {
      name: "DriverAdapterError",
      cause: { kind: "postgres", originalCode: "57P01", code: "57P01", message: "terminating connection due to administrator command" },
    });
    const prismaError = Object.assign(new Error("Database error. Code: `57P01`."), { code: "P2039", meta: { driverAdapterError: adapterError } });
    expect(isDatabaseUnavailable(prismaError)).toBe(true);
    expect(isDatabaseUnavailable({ code: "P2010", meta: { driverAdapterError: { cause: { kind: "postgres", code: "57P03" } } } })).toBe(true);
    expect(isDatabaseUnavailable({ code: "P1017", message: "Server has closed the connection." })).toBe(true);
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    // Seen while PostgreSQL restarted under load (bench/load/db-restart.ts).
    expect(isDatabaseUnavailable({ code: "P2010", meta: { driverAdapterError: { cause: { kind: "postgres", code: "N/A", message: "Server has closed the connection." } } } })).toBe(true);
    expect(isDatabaseUnavailable(new Error("Client has encountered a connection error and is not queryable"))).toBe(true);
  });

  it("does not excuse bugs and bad queries", () => {
    expect(isDatabaseUnavailable(new Error("boom"))).toBe(false);
    expect(isDatabaseUnavailable({ code: "P2002", meta: { driverAdapterError: { cause: { kind: "UniqueConstraintViolation" } } } })).toBe(false);
    expect(isDatabaseUnavailable({ code: "P2010", meta: { driverAdapterError: { cause: { kind: "postgres", code: "42P01" } } } })).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});
