/** Where to go after sign-in: a path on this site only; anything else goes to the tenant chooser. */
export function safeCallbackPath(url: string | null | undefined, baseUrl = "http://localhost"): string {
  if (!url) return "/t";
  try {
    const base = new URL(baseUrl);
    const target = new URL(url, base);
    if (target.origin !== base.origin) return "/t";
    const path = `${target.pathname}${target.search}`;
    return path.startsWith("//") ? "/t" : path;
  } catch {
    return "/t";
  }
}
