// Keeps the generator's heap near its live size. Each batch's rows live long enough to be promoted
// to V8's old generation, and on a machine with plenty of memory V8 lets that garbage grow to several
// times the live heap before collecting it; over tens of millions of rows that alone would push RSS
// towards a gigabyte. A full collection when the heap has grown a fixed amount past where the seed
// started keeps the peak flat, at the cost of one collection per few hundred thousand rows.
import v8 from "node:v8";
import vm from "node:vm";

const ALLOWED_GROWTH_BYTES = 160 * 1024 * 1024;

let collect: (() => void) | null | undefined;

function collector(): (() => void) | null {
  if (collect !== undefined) return collect;
  const exposed: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === "function") return (collect = () => exposed());
  try {
    // The documented way to reach V8's collector without starting Node with --expose-gc.
    v8.setFlagsFromString("--expose-gc");
    const gc: unknown = vm.runInNewContext("gc");
    collect = typeof gc === "function" ? () => gc() : null;
  } catch {
    collect = null;
  }
  return collect;
}

export class HeapGuard {
  private readonly limit: number;

  constructor() {
    this.limit = v8.getHeapStatistics().used_heap_size + ALLOWED_GROWTH_BYTES;
  }

  /** Collects garbage when the heap has outgrown the allowance; cheap to call after every batch. */
  check(): void {
    if (v8.getHeapStatistics().used_heap_size > this.limit) collector()?.();
  }
}
