// Many socket connections share PGlite's single PostgreSQL session. @electric-sql/pglite-socket
// queues each wire-protocol message on its own, so one connection's Parse / Bind / Execute / Sync
// sequence can interleave with another's: a Bind then lands on someone else's unnamed statement
// ("bind message supplies 4 parameters, but prepared statement "" requires 2" — or, with matching
// parameter counts, runs the wrong query). This queue lets a connection hold the session from its
// first extended-protocol message until its Sync, and for the whole of a transaction, so each
// connection's statements run as if it had the session to itself.
import type { PGlite } from "@electric-sql/pglite";

type Item = {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (err: unknown) => void;
};

// Extended query protocol messages: the connection keeps the session until it sends Sync ('S').
const EXTENDED = new Set(["P", "B", "D", "E", "C", "H"].map((c) => c.charCodeAt(0)));
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

/** The same interface as pglite-socket's internal queue, which the socket handlers call. */
export class SessionQueue {
  private queue: Item[] = [];
  private processing = false;
  /** The connection holding the session (mid extended-protocol sequence or in a transaction). */
  private owner: number | null = null;
  private ownerMidSequence = false;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  private next(): Item | undefined {
    if (this.owner === null) return this.queue.shift();
    const index = this.queue.findIndex((item) => item.handlerId === this.owner);
    return index === -1 ? undefined : this.queue.splice(index, 1)[0];
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (let item = this.next(); item; item = this.next()) {
        const current = item;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(current.message, {
              onRawData: (data) => {
                bytes += data.length;
                current.onData(data);
              },
            }),
          );
        } catch (err) {
          current.reject(err);
          continue;
        }
        const type = current.message[0] ?? 0;
        this.ownerMidSequence = EXTENDED.has(type);
        this.owner = this.ownerMidSequence || this.db.isInTransaction() ? current.handlerId : null;
        current.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }

  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((item) => {
      if (item.handlerId !== handlerId) return true;
      item.reject(new Error("Connection closed"));
      return false;
    });
  }

  /** A connection went away while holding the session: end its sequence and transaction. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    await this.db.runExclusive(async () => {
      // A Sync ends an unfinished extended sequence (and the "skip until Sync" state after an error).
      if (this.ownerMidSequence) await this.db.execProtocolRaw(SYNC);
      if (this.db.isInTransaction()) await this.db.exec("ROLLBACK");
    });
    this.owner = null;
    this.ownerMidSequence = false;
    void this.process();
  }

  getQueueLength(): number {
    return this.queue.length;
  }
}
