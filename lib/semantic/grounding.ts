// Grounding: when a question names something the certified layer does not know, it refuses with a
// stable code, a message saying exactly what could not be grounded, and the closest valid options.
// It never answers with a silent zero or a guess.

export type GroundingCode =
  | "unknown_metric"
  | "unknown_dimension"
  | "dimension_not_allowed"
  | "unknown_filter_value"
  | "invalid_window"
  | "invalid_query"
  | "no_data";

export class GroundingError extends Error {
  readonly name = "GroundingError";
  constructor(
    readonly code: GroundingCode,
    message: string,
    /** Closest valid options, best first (may be empty). */
    readonly suggestions: string[] = [],
  ) {
    super(message);
  }

  toJSON(): { code: GroundingCode; message: string; suggestions: string[] } {
    return { code: this.code, message: this.message, suggestions: this.suggestions };
  }
}

/** Levenshtein distance (case-insensitive). */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  if (s === t) return 0;
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[t.length] ?? 0;
}

/**
 * The options closest to `input`, best first: options containing the input (or contained in it)
 * rank ahead of the rest, then by edit distance. At most `limit`.
 */
export function closestOptions(input: string, options: readonly string[], limit = 3): string[] {
  const needle = input.trim().toLowerCase();
  return [...new Set(options)]
    .map((option) => {
      const o = option.toLowerCase();
      const contains = needle.length > 0 && (o.includes(needle) || needle.includes(o));
      return { option, score: editDistance(needle, o) - (contains ? 100 : 0) };
    })
    .sort((x, y) => x.score - y.score || x.option.localeCompare(y.option))
    .slice(0, limit)
    .map((x) => x.option);
}
