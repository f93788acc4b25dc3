// Group commit for the audit events that are not part of a caller's transaction (reads, denials,
// console views, sign-ins…). Appending each one on its own serialised every request of a tenant on
// that tenant's chain lock, one commit at a time; here events wait in a bounded in-process queue and
// a flusher appends everything queued for a chain in ONE transaction with ONE lock acquisition
// (PostgreSQL's WAL does the same for commits). A caller's promise settles only after its batch
// committed — or failed, in which case every caller in the batch gets the error (fail closed: no
// event is acknowledged that is not stored). While a chain's batch is in flight, new events for it
// gather for the next one, so the batch size follows the load by itself. Other instances append
// under the same database lock, so there is still one chain per tenant.
import type pg from "pg";
import { GENESIS_HASH } from "./chain-format";
import { insertAfterHead, LOCK_HEAD_SQL, type PreparedAuditEvent, type RecordedAuditEvent, type SqlRunner } from "./append-to-chain";
import type { AuditKeyring } from "./audit-keys";

export class AuditQueueFullError extends Error {
  readonly code = "audit_queue_full";
}

export type GroupCommitOptions = {
  /** Events queued (all chains) before new callers wait for room. */
  maxQueued: number;
  /** Most events per chain per transaction. */
  maxBatch: number;
  /** How long a caller waits for room before failing with audit_queue_full. */
  maxWaitMs: number;
  keyring: () => AuditKeyring;
  /** Whether the pool's server keeps named prepared statements (PostgreSQL; not the embedded database's socket). */
  namedStatements: boolean;
};

type Waiting = { event: PreparedAuditEvent; resolve: (recorded: RecordedAuditEvent) => void; reject: (err: unknown) => void };

// Data errors (SQLSTATE classes 22 and 23) belong to one event; anything else (connection lost,
// database restarting) belongs to the batch.
function isDataError(err: unknown): boolean {
  const code = err && typeof err === "object" && "code" in err ? String((err as { code: unknown }).code) : "";
  return /^2[23]/.test(code);
}

export class AuditGroupCommit {
  private readonly queues = new Map<string, Waiting[]>();
  private readonly draining = new Set<string>();
  private queued = 0;
  private roomWaiters: (() => void)[] = [];
  /** Batches committed and events in them, for benchmarks and tests. */
  readonly stats = { batches: 0, events: 0, largestBatch: 0 };

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: GroupCommitOptions,
  ) {}

  /** Resolves once the event is committed in its chain. */
  async append(event: PreparedAuditEvent): Promise<RecordedAuditEvent> {
    if (this.queued >= this.options.maxQueued) await this.waitForRoom();
    this.queued += 1;
    return new Promise<RecordedAuditEvent>((resolve, reject) => {
      const queue = this.queues.get(event.chain);
      if (queue) queue.push({ event, resolve, reject });
      else this.queues.set(event.chain, [{ event, resolve, reject }]);
      if (!this.draining.has(event.chain)) {
        this.draining.add(event.chain);
        // After the current turn of the event loop, so callers arriving together share the first batch.
        setImmediate(() => void this.drain(event.chain));
      }
    });
  }

  private async waitForRoom(): Promise<void> {
    const deadline = Date.now() + this.options.maxWaitMs;
    while (this.queued >= this.options.maxQueued) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new AuditQueueFullError(`The audit queue is full (${this.options.maxQueued} events waiting for the database); try again shortly.`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.roomWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private freeRoom(count: number): void {
    this.queued -= count;
    const waiters = this.roomWaiters.splice(0, count);
    for (const wake of waiters) wake();
  }

  private async drain(chain: string): Promise<void> {
    try {
      for (;;) {
        const queue = this.queues.get(chain);
        if (!queue || queue.length === 0) return;
        const batch = queue.splice(0, this.options.maxBatch);
        try {
          await this.settle(chain, batch);
        } finally {
          this.freeRoom(batch.length);
        }
      }
    } finally {
      this.queues.delete(chain);
      this.draining.delete(chain);
      // An event queued between the last check and this cleanup starts its own drain.
      const late = this.queues.get(chain);
      if (late?.length && !this.draining.has(chain)) {
        this.draining.add(chain);
        setImmediate(() => void this.drain(chain));
      }
    }
  }

  private async settle(chain: string, batch: Waiting[]): Promise<void> {
    try {
      const recorded = await this.commit(chain, batch.map((w) => w.event));
      batch.forEach((w, i) => {
        const r = recorded[i];
        if (r) w.resolve(r);
        else w.reject(new Error("audit batch returned fewer events than it was given"));
      });
    } catch (err) {
      // One malformed event must not fail its neighbours: append each alone, so only it fails.
      if (batch.length > 1 && isDataError(err)) {
        for (const w of batch) await this.settle(chain, [w]);
        return;
      }
      for (const w of batch) w.reject(err);
    }
  }

  /** One transaction: lock and read the head, link and sign in the app, insert all, commit. */
  private async commit(chain: string, events: PreparedAuditEvent[]): Promise<RecordedAuditEvent[]> {
    const keyring = this.options.keyring();
    const client = await this.pool.connect();
    let healthy = true;
    try {
      const run: SqlRunner = (sql, params, name) =>
        client.query(name && this.options.namedStatements ? { name, text: sql, values: params } : { text: sql, values: params }).then((r) => r.rows as Record<string, unknown>[]);
      try {
        // BEGIN and the locked head read travel together (simple protocol: one round trip).
        const opened = (await client.query(`BEGIN; ${LOCK_HEAD_SQL.replace("$1", client.escapeLiteral(chain))}`)) as unknown as pg.QueryResult[];
        const head = opened[1]?.rows[0] as { seq: string; hash: string } | undefined;
        const recorded = await insertAfterHead(run, chain, head ? { seq: BigInt(head.seq), hash: head.hash } : { seq: 0n, hash: GENESIS_HASH }, events, keyring);
        await client.query("COMMIT");
        this.stats.batches += 1;
        this.stats.events += events.length;
        this.stats.largestBatch = Math.max(this.stats.largestBatch, events.length);
        return recorded;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {
          healthy = false;
        });
        throw err;
      }
    } catch (err) {
      if (!isDataError(err)) healthy = false;
      throw err;
    } finally {
      // A connection that failed mid-transaction is discarded rather than handed to the next caller.
      client.release(healthy ? undefined : true);
    }
  }
}
