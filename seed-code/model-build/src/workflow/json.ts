/**
 * Canonical JSON: object keys sorted, `undefined` members dropped, arrays kept in order. The same
 * definition therefore always serialises to the same bytes, whatever order the code wrote its
 * fields in, so definitions can be diffed and snapshot-tested.
 */
import { JsonValue } from './expressions';

/** Serialises `value` canonically; `indent` spaces per level, 0 for compact output. */
export function canonicalJson(value: JsonValue, indent = 0): string {
  return JSON.stringify(sortKeys(value), null, indent === 0 ? undefined : indent);
}

function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const key of Object.keys(value).sort()) {
      const member = value[key];
      if (member !== undefined) {
        out[key] = sortKeys(member);
      }
    }
    return out;
  }
  // JSON has no negative zero; normalise so 0 and -0 serialise alike.
  return typeof value === 'number' && Object.is(value, -0) ? 0 : value;
}
