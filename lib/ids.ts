const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID string; used before comparing user input with uuid columns. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
