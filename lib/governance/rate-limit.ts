// Per-credential rate limits: a fixed one-minute window per key. With REDIS_URL the counters live
// in Redis and are shared by every app instance. Without it they live in this process: exact for a
// single instance (the embedded default), and with N instances a key gets at most N × the limit.
import { Redis } from "ioredis";
import { env } from "@/lib/env";

export type RateLimitDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  hit(key: string, now?: number): Promise<RateLimitDecision>;
}

const WINDOW_MS = 60_000;

function decide(count: number, limit: number, windowStart: number, now: number): RateLimitDecision {
  if (count <= limit) return { allowed: true, remaining: limit - count };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000)) };
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  constructor(private readonly limit: number) {}

  async hit(key: string, now = Date.now()): Promise<RateLimitDecision> {
    const start = now - (now % WINDOW_MS);
    const current = this.windows.get(key);
    const window = current && current.start === start ? current : { start, count: 0 };
    window.count += 1;
    this.windows.set(key, window);
    if (this.windows.size > 10_000) {
      for (const [k, w] of this.windows) if (w.start < start) this.windows.delete(k);
    }
    return decide(window.count, this.limit, start, now);
  }
}

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly limit: number,
  ) {}

  async hit(key: string, now = Date.now()): Promise<RateLimitDecision> {
    const start = now - (now % WINDOW_MS);
    const redisKey = `socode:rl:${key}:${start}`;
    const results = await this.redis.multi().incr(redisKey).pexpire(redisKey, WINDOW_MS * 2).exec();
    const [error, count] = results?.[0] ?? [new Error("empty reply"), null];
    if (error || typeof count !== "number") throw new Error(`Rate limiter unavailable: ${error?.message ?? "unexpected reply"}`);
    return decide(count, this.limit, start, now);
  }
}

const globalForLimiter = globalThis as unknown as { socodeRateLimiter?: RateLimiter };

export function rateLimiter(): RateLimiter {
  if (globalForLimiter.socodeRateLimiter) return globalForLimiter.socodeRateLimiter;
  const e = env();
  globalForLimiter.socodeRateLimiter = e.REDIS_URL
    ? new RedisRateLimiter(new Redis(e.REDIS_URL, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false }), e.SOCODE_RATE_LIMIT_PER_MINUTE)
    : new MemoryRateLimiter(e.SOCODE_RATE_LIMIT_PER_MINUTE);
  return globalForLimiter.socodeRateLimiter;
}
