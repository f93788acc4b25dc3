// Generates one demo tenant's loyalty data, day by day through the history, streaming rows to the
// database in batches. Per-member state lives in typed arrays (a few dozen bytes per member), so a
// million members and ten million orders fit easily in memory; rows never accumulate beyond a batch.
//
// The model, in shop terms:
// - Members existed before the history (joined over the prior years) or join during it at a steady
//   daily rate, with a first order and a Welcome coupon. Each member visits at regular intervals
//   (0.5–1.5 × a mean gap set by their tier); a visit due on a quiet weekday may slip to the next
//   day, which makes weekends busier; ~90 % of their orders are at their home store.
// - Some members stop ordering for good ("lapse"): ordinary churn spread over the history, plus the
//   Silver story (stories.ts) concentrated 32–44 days before the as-of date at two stores.
// - Coupon pools issue codes to members every day; a share of issued coupons is redeemed a few days
//   later on a completed order of the same member. The Summer pool runs out of codes last week.
// - Completed member orders earn points; members sometimes redeem a reward; the ledger's
//   balance_after runs per member, and members.points_balance is set to the ledger's final sum.
import type { Db } from "@/lib/db/client";
import { DemoWriter } from "./batch-insert";
import { addLocalDays, DAY_MS, HOUR_MS, lastWeekMonday, LocalDay, MINUTE_MS } from "./calendar";
import { cumulative, hashString, mix32, SeededRandom, stableUuid7 } from "./random";
import {
  BRONZE,
  FIRST_HOUR,
  GOLD,
  GUEST_CHANNEL_MIX,
  GUEST_ORDER_SHARE,
  HISTORY_DAYS,
  HOUR_VOLUME,
  MEMBER_BEHAVIOUR,
  PROMOTIONS,
  SILVER,
  TIER_SHARES,
  TIERS,
  WEEKDAY_VOLUME,
  WEEKEND_TICKET_FACTOR,
  type PoolProfile,
  type ScaleSize,
  type TenantProfile,
} from "./stories";

export type GenerateTenantInput = {
  db: Db;
  profile: TenantProfile;
  tenantId: string;
  seed: number;
  /** YYYY-MM-DD; the history ends the day before. */
  asOf: string;
  size: ScaleSize;
  batchRows: number;
  onProgress: (message: string) => void;
};

export type TenantCounts = {
  stores: number;
  tiers: number;
  members: number;
  orders: number;
  pointsEntries: number;
  couponPools: number;
  coupons: number;
  ambassadorCodes: number;
};

export type GeneratedTenant = {
  slug: string;
  tenantId: string;
  asOf: string;
  /** First and last local day with data (inclusive). */
  historyFrom: string;
  historyTo: string;
  counts: TenantCounts;
};

const NEVER = 2_147_483_647;
const CHANNELS = ["store", "online", "app"] as const;
const TIER_CHANNEL_CUM = TIERS.map((t) => cumulative(t.channelMix));
const GUEST_CHANNEL_CUM = cumulative(GUEST_CHANNEL_MIX);
const HOUR_CUM = cumulative(HOUR_VOLUME);
const DOW_MEAN = WEEKDAY_VOLUME.reduce((a, b) => a + b, 0) / WEEKDAY_VOLUME.length;
const DOW = WEEKDAY_VOLUME.map((v) => v / DOW_MEAN);
const DOW_MAX = Math.max(...DOW);
const OPEN_MS = 7 * HOUR_MS;
const CLOSE_MS = 21 * HOUR_MS;

type PendingRedemption = {
  couponId: string;
  pool: number;
  code: string;
  member: number;
  createdMs: number;
  issuedMs: number;
  /** Redemption instant when already fixed (same-day redemptions), else chosen on the day. */
  atMs: number | null;
};

type OrderIntent = {
  ms: number;
  /** Member index, or −1 for a guest. */
  member: number;
  /** Store index for guests; members pick theirs when the order is made. */
  store: number;
  redemption: PendingRedemption | null;
};

type PoolState = {
  profile: PoolProfile;
  id: string;
  createdMs: number;
  /** Day index range in which the pool issues codes (inclusive). */
  firstDay: number;
  lastDay: number;
  issueAccumulator: number;
  redeemAccumulator: number;
  delayCum: Float64Array;
  codes: number;
};

export async function generateTenantData(input: GenerateTenantInput): Promise<GeneratedTenant> {
  return new TenantSimulation(input).run();
}

class TenantSimulation {
  private readonly rng: SeededRandom;
  private readonly profile: TenantProfile;
  private readonly writer: DemoWriter;
  private readonly H = HISTORY_DAYS;
  private readonly historyFrom: string;
  private readonly memberSalt: number;
  private readonly nameSalt: number;

  private readonly storeIds: string[] = [];
  private readonly storeCum: Float64Array;
  private readonly tierIds: string[] = [];
  private readonly pools: PoolState[] = [];

  // Per-member state, indexed by member number (join order).
  private readonly memberCount: number;
  private readonly priorCount: number;
  private readonly joinMs: Float64Array;
  private readonly home: Uint8Array;
  private readonly tier0: Uint8Array;
  private readonly promoTier: Uint8Array;
  private readonly promoDay: Int32Array;
  private readonly lapseDay: Int32Array;
  private readonly closed: Uint8Array;
  private readonly balance: Int32Array;
  private readonly bucketNext: Int32Array;
  private readonly bucketHead: Int32Array;
  private readonly pending: PendingRedemption[][];
  private joined = 0;

  /** Daily order probability per unit of tier order weight (calibrated to the order target). */
  private readonly k: number;
  private readonly guestsPerWeightDay: number;

  constructor(private readonly input: GenerateTenantInput) {
    this.profile = input.profile;
    this.rng = new SeededRandom(input.seed, `demo:${input.profile.slug}`);
    this.writer = new DemoWriter(input.db, input.tenantId, input.batchRows);
    this.historyFrom = addLocalDays(input.asOf, -this.H);
    this.memberSalt = mix32(input.seed ^ hashString(`${input.profile.slug}:members`));
    this.nameSalt = mix32(input.seed ^ hashString(`${input.profile.slug}:names`));
    this.storeCum = cumulative(input.profile.stores.map((s) => s.weight));

    const n = Math.max(50, Math.round(input.size.members));
    this.memberCount = n;
    this.priorCount = n - Math.round(n * MEMBER_BEHAVIOUR.joinShare);
    this.joinMs = new Float64Array(n);
    this.home = new Uint8Array(n);
    this.tier0 = new Uint8Array(n);
    this.promoTier = new Uint8Array(n);
    this.promoDay = new Int32Array(n).fill(NEVER);
    this.lapseDay = new Int32Array(n).fill(NEVER);
    this.closed = new Uint8Array(n);
    this.balance = new Int32Array(n);
    this.bucketNext = new Int32Array(n).fill(-1);
    this.bucketHead = new Int32Array(this.H).fill(-1);
    this.pending = Array.from({ length: this.H }, () => []);

    // Calibrate the order rate so the expected total lands near the target.
    const orders = Math.max(1000, input.size.orders);
    const joiners = n - this.priorCount;
    const weightedPriorDays = TIERS.reduce(
      (sum, t, i) => sum + (TIER_SHARES[i] ?? 0) * t.orderWeight * (1 - t.churnShare / 2),
      0,
    );
    const memberDays = this.priorCount * this.H * weightedPriorDays + (joiners * this.H * (TIERS[BRONZE]?.orderWeight ?? 1)) / 2;
    const redemptionOrders = input.profile.pools.reduce((sum, p) => {
      if (p.audience === "new_members") return sum + joiners * p.redemptionRate;
      const days = p.campaignStartWeeksBeforeLastWeek ? p.campaignStartWeeksBeforeLastWeek * 7 + 7 : this.H;
      return sum + n * p.dailyIssuePerMember * days * p.redemptionRate;
    }, 0);
    const memberBudget = Math.max(orders * (1 - GUEST_ORDER_SHARE) - redemptionOrders - joiners, orders * 0.2);
    this.k = memberBudget / memberDays;
    const storeWeight = input.profile.stores.reduce((s, x) => s + x.weight, 0);
    this.guestsPerWeightDay = (orders * GUEST_ORDER_SHARE) / (this.H * storeWeight);
  }

  private progress(message: string): void {
    this.input.onProgress(`${this.profile.slug}: ${message}`);
  }

  private day(index: number): LocalDay {
    return new LocalDay(addLocalDays(this.historyFrom, index), this.profile.timeZone);
  }

  async run(): Promise<GeneratedTenant> {
    this.setUpCatalogue();
    await this.writer.flushAll();
    await this.createPriorMembers();
    this.progress(`${this.priorCount.toLocaleString("en-US")} existing members written; simulating ${this.H} days`);

    let nextReport = 0.1;
    for (let d = 0; d < this.H; d++) {
      await this.simulateDay(d);
      if ((d + 1) / this.H >= nextReport) {
        const c = this.writer.counts();
        this.progress(
          `${Math.round(((d + 1) / this.H) * 100)} % of days — ${(c.orders ?? 0).toLocaleString("en-US")} orders, ` +
            `${(c.coupons ?? 0).toLocaleString("en-US")} coupons`,
        );
        nextReport += 0.1;
      }
    }
    this.writeSpareCodes();
    this.writeAmbassadorCodes();
    await this.writer.flushAll();
    await this.finaliseMembersAndPools();

    const c = this.writer.counts();
    return {
      slug: this.profile.slug,
      tenantId: this.input.tenantId,
      asOf: this.input.asOf,
      historyFrom: this.historyFrom,
      historyTo: addLocalDays(this.input.asOf, -1),
      counts: {
        stores: c.stores ?? 0,
        tiers: c.tiers ?? 0,
        members: c.members ?? 0,
        orders: c.orders ?? 0,
        pointsEntries: c.points_entries ?? 0,
        couponPools: c.coupon_pools ?? 0,
        coupons: c.coupons ?? 0,
        ambassadorCodes: c.ambassador_codes ?? 0,
      },
    };
  }

  // ───────────── catalogue: stores, tiers, pools ─────────────

  private setUpCatalogue(): void {
    const openedMs = new LocalDay(addLocalDays(this.historyFrom, -MEMBER_BEHAVIOUR.priorYears * 365 - 30), this.profile.timeZone).at(
      8 * HOUR_MS,
    );
    for (const store of this.profile.stores) {
      const id = this.rng.uuid7(openedMs);
      this.storeIds.push(id);
      this.writer.stores.push([id, store.code, store.name, store.region, iso(openedMs)]);
    }
    for (const tier of TIERS) {
      const id = this.rng.uuid7(openedMs);
      this.tierIds.push(id);
      this.writer.tiers.push([id, tier.name, tier.rank, tier.minPoints]);
    }
    const lastMonday = lastWeekMonday(this.input.asOf);
    for (const pool of this.profile.pools) {
      let firstDay = 0;
      let lastDay = this.H - 1;
      let createdMs = new LocalDay(addLocalDays(this.historyFrom, -30), this.profile.timeZone).at(6 * HOUR_MS);
      let validToMs: number | null = null;
      if (pool.campaignStartWeeksBeforeLastWeek) {
        const start = addLocalDays(lastMonday, -7 * pool.campaignStartWeeksBeforeLastWeek);
        firstDay = this.dayIndex(start);
        createdMs = this.day(firstDay).at(6 * HOUR_MS);
        validToMs = this.day(firstDay).at(0) + 16 * 7 * DAY_MS;
      }
      if (pool.runsOutLastWeek) lastDay = this.dayIndex(addLocalDays(lastMonday, pool.runsOutLastWeek.isoWeekday - 1));
      const id = this.rng.uuid7(createdMs);
      this.pools.push({
        profile: pool,
        id,
        createdMs,
        firstDay,
        lastDay,
        issueAccumulator: this.rng.next(),
        redeemAccumulator: this.rng.next(),
        delayCum: cumulative(pool.redemptionDelay),
        codes: 0,
      });
      // size is set once the codes exist (finaliseMembersAndPools).
      this.writer.pools.push([
        id,
        pool.name,
        pool.campaign,
        pool.discountType,
        pool.discountValue,
        iso(createdMs),
        validToMs === null ? null : iso(validToMs),
        0,
        iso(createdMs),
      ]);
    }
  }

  private dayIndex(date: string): number {
    return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${this.historyFrom}T00:00:00Z`)) / DAY_MS);
  }

  // ───────────── members ─────────────

  private memberId(m: number): string {
    return stableUuid7(this.joinMs[m] ?? 0, this.memberSalt, m);
  }

  private tierOn(m: number, d: number): number {
    return d >= (this.promoDay[m] ?? NEVER) ? (this.promoTier[m] ?? 0) : (this.tier0[m] ?? 0);
  }

  private finalTier(m: number): number {
    return this.tierOn(m, this.H);
  }

  private isDropStore(store: number): boolean {
    const drop = this.profile.silverDrop;
    const code = this.profile.stores[store]?.code ?? "";
    return drop !== undefined && (drop.storeCodes as readonly string[]).includes(code);
  }

  private async createPriorMembers(): Promise<void> {
    const priorDays = MEMBER_BEHAVIOUR.priorYears * 365;
    const firstJoinDate = addLocalDays(this.historyFrom, -priorDays);
    const openingMs = this.day(0).at(5 * HOUR_MS);
    let cachedDate = "";
    let cachedDay: LocalDay | undefined;
    const drop = this.profile.silverDrop;
    const silverShares = drop ? [1 - drop.silverShareAtStores - (TIER_SHARES[GOLD] ?? 0), drop.silverShareAtStores, TIER_SHARES[GOLD] ?? 0] : TIER_SHARES;
    const dropTierCum = cumulative(silverShares);
    const tierCum = cumulative(TIER_SHARES);
    const promoLast = this.H - PROMOTIONS.noLaterThanDaysBeforeAsOf;

    for (let m = 0; m < this.priorCount; m++) {
      const date = addLocalDays(firstJoinDate, Math.floor(((m + this.rng.next()) / this.priorCount) * priorDays));
      if (date !== cachedDate || !cachedDay) {
        cachedDate = date;
        cachedDay = new LocalDay(date, this.profile.timeZone);
      }
      this.joinMs[m] = cachedDay.at(this.randomShopTime());
      const home = this.rng.pickCumulative(this.storeCum);
      this.home[m] = home;
      const tier = this.rng.pickCumulative(this.isDropStore(home) ? dropTierCum : tierCum);
      this.tier0[m] = tier;
      this.promoTier[m] = tier;
      if (tier === BRONZE && this.rng.chance(PROMOTIONS.bronzeToSilver)) {
        this.promoTier[m] = SILVER;
        this.promoDay[m] = this.rng.int(0, promoLast - 1);
      } else if (tier === SILVER && this.rng.chance(PROMOTIONS.silverToGold)) {
        this.promoTier[m] = GOLD;
        this.promoDay[m] = this.rng.int(0, promoLast - 1);
      }
      const finalTier = this.finalTier(m);
      if (this.rng.chance(TIERS[finalTier]?.churnShare ?? 0)) {
        this.lapseDay[m] = this.rng.int(1, this.H - 1);
        if (this.rng.chance(0.1)) this.closed[m] = 1;
      }
      if (drop && finalTier === SILVER) {
        const share = this.isDropStore(home) ? drop.lapseShareAtStores : drop.lapseShareElsewhere;
        const storyLapse = this.H - this.rng.int(drop.lapseToDaysBeforeAsOf, drop.lapseFromDaysBeforeAsOf);
        if (this.rng.chance(share) && (this.lapseDay[m] ?? NEVER) > storyLapse) this.lapseDay[m] = storyLapse;
      }
      this.schedule(m, Math.floor(this.rng.next() * this.meanGap(m, 0)));

      const [range0, range1] = TIERS[tier]?.openingPoints ?? [0, 0];
      const opening = this.rng.int(range0, range1);
      this.balance[m] = opening;
      this.writeMember(m);
      if (opening > 0) {
        this.writer.points.push([
          this.rng.uuid7(openingMs),
          this.memberId(m),
          "adjust",
          opening,
          opening,
          "Opening balance (migrated from the previous loyalty system)",
          null,
          iso(openingMs),
        ]);
      }
      this.joined = m + 1;
      await this.writer.maybeFlush();
    }
  }

  private writeMember(m: number): void {
    const h = mix32(m ^ this.nameSalt);
    const first = this.profile.firstNames[h % this.profile.firstNames.length] ?? "Alex";
    const last = this.profile.lastNames[(h >>> 16) % this.profile.lastNames.length] ?? "Doe";
    const ascii = (s: string) =>
      s
        .normalize("NFD")
        .replace(/[\u0300-\u036f]/g, "")
        .toLowerCase();
    const email = `${ascii(first)}.${ascii(last)}.${m + 1}@${this.profile.emailDomain}`;
    const h2 = mix32(h ^ 0x5bd1e995);
    const phone = (h2 & 7) === 0 ? null : `${this.profile.phonePrefix}${String(h2 % 10_000_000).padStart(7, "0")}`;
    const joined = iso(this.joinMs[m] ?? 0);
    this.writer.members.push([
      this.memberId(m),
      `${this.profile.memberPrefix}${String(m + 1).padStart(7, "0")}`,
      `${first} ${last}`,
      email,
      phone,
      this.tierIds[this.tier0[m] ?? 0] ?? null,
      this.storeIds[this.home[m] ?? 0] ?? null,
      joined,
      this.closed[m] ? "closed" : "active",
      0,
      joined,
    ]);
  }

  private schedule(m: number, day: number): void {
    if (day >= this.H || day >= (this.lapseDay[m] ?? NEVER)) return;
    this.bucketNext[m] = this.bucketHead[day] ?? -1;
    this.bucketHead[day] = m;
  }

  // ───────────── one day ─────────────

  private async simulateDay(d: number): Promise<void> {
    const day = this.day(d);
    const dow = DOW[day.weekday - 1] ?? 1;
    const intents: OrderIntent[] = [];

    // New members: first order at sign-up, and a Welcome coupon.
    const joiners = this.memberCount - this.priorCount;
    const joinsToday = Math.floor((joiners * (d + 1)) / this.H) - Math.floor((joiners * d) / this.H);
    const welcome = this.pools.findIndex((p) => p.profile.audience === "new_members");
    for (let j = 0; j < joinsToday && this.joined < this.memberCount; j++) {
      const m = this.joined++;
      const signUp = day.at(this.randomShopTime());
      this.joinMs[m] = signUp;
      this.home[m] = this.rng.pickCumulative(this.storeCum);
      this.tier0[m] = BRONZE;
      this.promoTier[m] = BRONZE;
      this.writeMember(m);
      intents.push({ ms: signUp + 2 * MINUTE_MS, member: m, store: this.home[m] ?? 0, redemption: null });
      if (welcome >= 0) this.issueCoupon(welcome, m, signUp + MINUTE_MS, d, day);
      this.schedule(m, d + this.orderGap(m, d));
    }

    // Coupon issuance (before orders, so same-day redemptions join today's orders).
    for (let p = 0; p < this.pools.length; p++) {
      const pool = this.pools[p];
      if (!pool || pool.profile.audience === "new_members" || d < pool.firstDay || d > pool.lastDay) continue;
      const runsOut = pool.profile.runsOutLastWeek && d === pool.lastDay ? pool.profile.runsOutLastWeek : undefined;
      const closeMs = runsOut ? runsOut.beforeLocalHour * HOUR_MS : CLOSE_MS;
      const dayShare = (closeMs - OPEN_MS) / (CLOSE_MS - OPEN_MS);
      pool.issueAccumulator += this.joined * pool.profile.dailyIssuePerMember * dayShare;
      let count = Math.floor(pool.issueAccumulator);
      pool.issueAccumulator -= count;
      if (runsOut) count = Math.max(1, count);
      for (let i = 0; i < count; i++) {
        const m = this.pickCouponTarget(pool.profile, d);
        if (m < 0) continue;
        const at = day.at(OPEN_MS + Math.floor(this.rng.next() * (closeMs - OPEN_MS)));
        this.issueCoupon(p, m, at, d, day);
      }
    }

    // Regular member orders. A member due today comes in with a chance set by the weekday, else
    // tomorrow: quiet weekdays shed visits to busier days, which gives the weekly seasonality.
    const comeIn = dow / DOW_MAX;
    let m = this.bucketHead[d] ?? -1;
    this.bucketHead[d] = -1;
    while (m >= 0) {
      const next = this.bucketNext[m] ?? -1;
      if (d < (this.lapseDay[m] ?? NEVER)) {
        if (this.rng.next() < comeIn) {
          intents.push({ ms: day.at(this.randomShopTime()), member: m, store: this.home[m] ?? 0, redemption: null });
          this.schedule(m, d + this.orderGap(m, d));
        } else {
          this.schedule(m, d + 1);
        }
      }
      m = next;
    }

    // Coupon redemptions due today: the member comes in and uses the coupon.
    for (const r of this.pending[d] ?? []) {
      let ms = r.atMs ?? day.at(this.randomShopTime());
      if (ms <= r.issuedMs) ms = r.issuedMs + 5 * MINUTE_MS;
      intents.push({ ms, member: r.member, store: this.home[r.member] ?? 0, redemption: r });
    }
    this.pending[d] = [];

    // Guests.
    this.profile.stores.forEach((store, s) => {
      const expected = this.guestsPerWeightDay * store.weight * dow;
      const count = Math.floor(expected + this.rng.next());
      for (let i = 0; i < count; i++) intents.push({ ms: day.at(this.randomShopTime()), member: -1, store: s, redemption: null });
    });

    intents.sort((a, b) => a.ms - b.ms);
    for (const intent of intents) this.placeOrder(intent, d, day);
    await this.writer.maybeFlush();
  }

  /** Mean days between a member's visits on day `d`, from their tier's order weight. */
  private meanGap(m: number, d: number): number {
    return Math.max(1, 1 / (this.k * (TIERS[this.tierOn(m, d)]?.orderWeight ?? 1)));
  }

  /** Days until the member's next visit: regular habits, 0.5–1.5 × the mean gap. */
  private orderGap(m: number, d: number): number {
    return Math.max(1, Math.round(this.meanGap(m, d) * (0.5 + this.rng.next())));
  }

  private randomShopTime(): number {
    const hour = FIRST_HOUR + this.rng.pickCumulative(HOUR_CUM);
    return hour * HOUR_MS + Math.floor(this.rng.next() * HOUR_MS);
  }

  private pickCouponTarget(pool: PoolProfile, d: number): number {
    if (this.joined === 0) return -1;
    for (let attempt = 0; attempt < 40; attempt++) {
      const m = Math.floor(this.rng.next() * this.joined);
      // Members about to lapse are left out, so a lapse is never undone by a coupon visit.
      if ((this.lapseDay[m] ?? NEVER) <= d + 8) continue;
      if (pool.audience === "gold" && this.tierOn(m, d) !== GOLD) continue;
      return m;
    }
    return -1;
  }

  private issueCoupon(p: number, m: number, issuedMs: number, d: number, day: LocalDay): void {
    const pool = this.pools[p];
    if (!pool) return;
    const seq = pool.codes++;
    const code = this.couponCode(pool, seq);
    const couponId = this.rng.uuid7(pool.createdMs);
    pool.redeemAccumulator += pool.profile.redemptionRate;
    if (pool.redeemAccumulator >= 1) {
      pool.redeemAccumulator -= 1;
      let delay = this.rng.pickCumulative(pool.delayCum);
      let atMs: number | null = null;
      if (delay === 0) {
        const latest = day.at(CLOSE_MS + HOUR_MS);
        atMs = issuedMs + 10 * MINUTE_MS + Math.floor(this.rng.next() * 3 * HOUR_MS);
        if (atMs > latest) {
          delay = 1;
          atMs = null;
        }
      }
      const due = d + delay;
      if (due < this.H && due < (this.lapseDay[m] ?? NEVER)) {
        this.pending[due]?.push({ couponId, pool: p, code, member: m, createdMs: pool.createdMs, issuedMs, atMs });
        return;
      }
    }
    this.writer.coupons.push([couponId, pool.id, code, this.memberId(m), iso(pool.createdMs), iso(issuedMs), null, null]);
  }

  private couponCode(pool: PoolState, seq: number): string {
    const letters = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    const check = (letters[this.rng.int(0, 31)] ?? "A") + (letters[this.rng.int(0, 31)] ?? "A");
    return `${pool.profile.codePrefix}-${seq.toString(36).toUpperCase().padStart(6, "0")}${check}`;
  }

  private placeOrder(intent: OrderIntent, d: number, day: LocalDay): void {
    const member = intent.member;
    const isMember = member >= 0;
    const tier = isMember ? this.tierOn(member, d) : -1;
    let store = intent.store;
    if (isMember && !this.rng.chance(MEMBER_BEHAVIOUR.homeStoreShare)) store = this.rng.pickCumulative(this.storeCum);
    const channel = this.rng.pickCumulative(isMember ? (TIER_CHANNEL_CUM[tier] ?? GUEST_CHANNEL_CUM) : GUEST_CHANNEL_CUM);
    const storeProfile = this.profile.stores[store];
    let total =
      (storeProfile?.ticketMinor ?? 1000) *
      (isMember ? (TIERS[tier]?.ticketFactor ?? 1) : 0.95) *
      (day.weekday >= 6 ? WEEKEND_TICKET_FACTOR : 1) *
      (channel === 0 ? 1 : 1.08) *
      Math.exp(0.35 * this.rng.normal() - 0.06);
    const redemption = intent.redemption;
    if (redemption) {
      const pool = this.pools[redemption.pool]?.profile;
      if (pool?.discountType === "percent") total *= 1 - pool.discountValue / 100;
      else if (pool) total -= pool.discountValue;
    }
    const totalMinor = Math.max(150, Math.round(total / 5) * 5);
    let status = "completed";
    if (!redemption) {
      const r = this.rng.next();
      if (r < MEMBER_BEHAVIOUR.refundedShare) status = "refunded";
      else if (r < MEMBER_BEHAVIOUR.refundedShare + MEMBER_BEHAVIOUR.cancelledShare) status = "cancelled";
    }
    const orderId = this.rng.uuid7(intent.ms);
    const memberId = isMember ? this.memberId(member) : null;
    this.writer.orders.push([
      orderId,
      this.storeIds[store] ?? null,
      memberId,
      isMember ? (this.tierIds[tier] ?? null) : null,
      String(totalMinor),
      this.profile.currency,
      status,
      CHANNELS[channel] ?? "store",
      iso(intent.ms),
    ]);

    if (isMember && status === "completed") {
      const award = Math.floor(totalMinor / 100) * MEMBER_BEHAVIOUR.pointsPerUnit;
      let balance = this.balance[member] ?? 0;
      if (award > 0) {
        balance += award;
        this.writer.points.push([this.rng.uuid7(intent.ms), memberId, "award", award, balance, "Purchase", orderId, iso(intent.ms)]);
      }
      if (balance >= MEMBER_BEHAVIOUR.rewardPoints && this.rng.chance(MEMBER_BEHAVIOUR.rewardChance)) {
        balance -= MEMBER_BEHAVIOUR.rewardPoints;
        const at = intent.ms + 1000;
        this.writer.points.push([
          this.rng.uuid7(at),
          memberId,
          "redeem",
          -MEMBER_BEHAVIOUR.rewardPoints,
          balance,
          `Reward: ${this.profile.rewardName}`,
          orderId,
          iso(at),
        ]);
      }
      this.balance[member] = balance;
    }
    if (redemption) {
      this.writer.coupons.push([
        redemption.couponId,
        this.pools[redemption.pool]?.id ?? null,
        redemption.code,
        memberId,
        iso(redemption.createdMs),
        iso(redemption.issuedMs),
        iso(intent.ms),
        orderId,
      ]);
    }
  }

  // ───────────── the end of the history ─────────────

  /** Pools that did not run out keep some codes nobody has been given yet (issued_at NULL). */
  private writeSpareCodes(): void {
    for (const pool of this.pools) {
      if (pool.profile.runsOutLastWeek) continue;
      const spare = Math.ceil(pool.codes * 0.1) + 20;
      for (let i = 0; i < spare; i++) {
        const code = this.couponCode(pool, pool.codes++);
        this.writer.coupons.push([this.rng.uuid7(pool.createdMs), pool.id, code, null, iso(pool.createdMs), null, null, null]);
      }
    }
  }

  private writeAmbassadorCodes(): void {
    const firstDayMs = this.day(0).at(9 * HOUR_MS);
    const lastMs = this.day(this.H - 1).at(9 * HOUR_MS);
    for (let m = 0; m < this.memberCount; m++) {
      if (this.finalTier(m) === BRONZE || !this.rng.chance(MEMBER_BEHAVIOUR.ambassadorShare)) continue;
      const from = Math.max(firstDayMs, this.joinMs[m] ?? firstDayMs);
      const at = from + Math.floor(this.rng.next() * Math.max(0, lastMs - from));
      const h = mix32(m ^ this.nameSalt);
      const first = this.profile.firstNames[h % this.profile.firstNames.length] ?? "FRIEND";
      const handle = first
        .normalize("NFD")
        .replace(/[^A-Za-z]/g, "")
        .toUpperCase();
      this.writer.ambassadors.push([this.rng.uuid7(at), this.memberId(m), `${handle}-${(m + 1).toString(36).toUpperCase()}`, this.rng.int(0, 40), iso(at)]);
    }
  }

  /** Sets each member's final tier and points balance (the ledger's sum) and each pool's size. */
  private async finaliseMembersAndPools(): Promise<void> {
    const sql = this.writer.pool;
    for (const pool of this.pools) {
      await sql.query(`UPDATE "coupon_pools" SET "size" = $2 WHERE "id" = $1::uuid`, [pool.id, pool.codes]);
    }
    const updatedAt = iso(new LocalDay(this.input.asOf, this.profile.timeZone).at(3 * HOUR_MS));
    const chunk = Math.max(1000, this.input.batchRows);
    for (let start = 0; start < this.memberCount; start += chunk) {
      const end = Math.min(this.memberCount, start + chunk);
      const ids: string[] = [];
      const tiers: (string | null)[] = [];
      const balances: number[] = [];
      for (let m = start; m < end; m++) {
        ids.push(this.memberId(m));
        tiers.push(this.tierIds[this.finalTier(m)] ?? null);
        balances.push(this.balance[m] ?? 0);
      }
      await sql.query(
        `UPDATE "members" AS m SET "tier_id" = u.tier_id, "points_balance" = u.balance, "updated_at" = $4::timestamptz ` +
          `FROM unnest($1::uuid[], $2::uuid[], $3::int[]) AS u(id, tier_id, balance) WHERE m."id" = u.id`,
        [ids, tiers, balances, updatedAt],
      );
    }
    this.progress(`members' tiers and points balances set; pool sizes set`);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

