/**
 * resource.Quantity as kube reads and writes it: parsing ("500m", "1.5Gi", "1e3", bare JSON
 * numbers), comparison, rounding, and the canonical text kube stores and prints ("0.5" -> "500m",
 * "1024Mi" -> "1Gi", "1500000" -> "1500k"). Values are exact: a bigint mantissa and a power of ten.
 */

export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

export interface Quantity {
  /** value = mant * 10^exp, exactly. */
  mant: bigint;
  exp: number;
  format: QuantityFormat;
}

/** kube's ErrFormatWrong, the message a malformed quantity gets. */
export const quantityFormatError =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalByExp = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binaryNames = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

const shape = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const numberPart = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * Parsed texts, most recent first out: the same few quantities ("100m", "128Mi") arrive in every
 * pod's requests, limits and defaults, and parsing one (regexes, bigints) cost ~1 % of a pod
 * create's CPU. Results are frozen and shared.
 */
const parsed = new Map<string, Readonly<Quantity> | string>();
const PARSED_MAX = 2048;

/** Parses a quantity (a JSON string or number); answers an error message when it is malformed. */
export function parseQuantity(input: unknown): Quantity | string {
  const text = typeof input === "number" ? numberText(input) : typeof input === "string" ? input : undefined;
  if (text === undefined || text.length === 0) return quantityFormatError;
  let q = parsed.get(text);
  if (q === undefined) {
    q = parseText(text);
    if (typeof q !== "string") Object.freeze(q);
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(text, q);
  }
  return q;
}

function parseText(text: string): Quantity | string {
  const m = shape.exec(text);
  if (!m) return quantityFormatError;
  const n = numberPart.exec(m[1]!);
  if (!n || (n[2] === "" && (n[3] ?? "") === "")) return "unable to parse numeric part of quantity";
  const suffix = m[2]!;
  const frac = n[3] ?? "";
  let mant = BigInt((n[2] || "0") + frac);
  let exp = -frac.length;
  let format: QuantityFormat;
  if (suffix in binarySuffixes) {
    mant *= 1n << BigInt(binarySuffixes[suffix]!);
    format = "BinarySI";
  } else if (suffix in decimalSuffixes) {
    exp += decimalSuffixes[suffix]!;
    format = "DecimalSI";
  } else if (/^[eE][-+]?\d+$/.test(suffix)) {
    exp += Number(suffix.slice(1));
    format = "DecimalExponent";
  } else {
    return "unable to parse quantity's suffix";
  }
  if (n[1] === "-") mant = -mant;
  // kube keeps nanos at most, rounding anything finer up (away from zero).
  return normalize(roundUp({ mant, exp, format }, -9));
}

/** JSON numbers arrive already parsed; give them back in a form the parser reads exactly. */
function numberText(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return BigInt(n).toString();
  return String(n).replace("e+", "e");
}

function normalize(q: Quantity): Quantity {
  let { mant, exp } = q;
  if (mant === 0n) return { mant, exp: 0, format: q.format };
  while (mant % 10n === 0n) {
    mant /= 10n;
    exp++;
  }
  return { mant, exp, format: q.format };
}

/** Rounds to a multiple of 10^scale, away from zero (kube's Quantity.RoundUp). */
export function roundUp(q: Quantity, scale: number): Quantity {
  if (q.exp >= scale) return q;
  const div = 10n ** BigInt(scale - q.exp);
  let m = q.mant / div;
  if (q.mant % div !== 0n) m += q.mant < 0n ? -1n : 1n;
  return normalize({ mant: m, exp: scale, format: q.format });
}

/** -1, 0 or 1 as a < b, a == b, a > b. */
export function cmpQuantity(a: Quantity, b: Quantity): number {
  const e = Math.min(a.exp, b.exp);
  const x = a.mant * 10n ** BigInt(a.exp - e);
  const y = b.mant * 10n ** BigInt(b.exp - e);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isNegative(q: Quantity): boolean {
  return q.mant < 0n;
}

/** The value in thousandths, rounded up (kube's MilliValue). */
export function milliValue(q: Quantity): bigint {
  const r = roundUp(q, -3);
  return r.mant * 10n ** BigInt(r.exp + 3);
}

/** The value as an integer, rounded up (kube's Value). */
export function intValue(q: Quantity): bigint {
  const r = roundUp(q, 0);
  return r.mant * 10n ** BigInt(r.exp);
}

/** kube's canonical text for a quantity: what it stores and prints. */
export function formatQuantity(q: Quantity): string {
  if (q.mant === 0n) return "0";
  const n = normalize(q);
  if (n.format === "BinarySI" && n.exp >= 0) {
    const v = n.mant * 10n ** BigInt(n.exp);
    const abs = v < 0n ? -v : v;
    // Below 1024 binary suffixes would only confuse; such values print as decimals.
    if (abs >= 1024n) {
      let m = v;
      let k = 0;
      while (k < binaryNames.length - 1 && m % 1024n === 0n) {
        m /= 1024n;
        k++;
      }
      return m.toString() + binaryNames[k];
    }
  }
  let { mant, exp } = n;
  const r = ((exp % 3) + 3) % 3;
  mant *= 10n ** BigInt(r);
  exp -= r;
  while (exp > 18) {
    mant *= 1000n;
    exp -= 3;
  }
  if (n.format === "DecimalExponent") return mant.toString() + (exp === 0 ? "" : `e${exp}`);
  return mant.toString() + (decimalByExp.get(exp) ?? `e${exp}`);
}

/** Canonical text for a quantity value as found in JSON, or undefined when it does not parse. */
export function canonicalQuantity(input: unknown, roundToMilli = false): string | undefined {
  const q = parseQuantity(input);
  if (typeof q === "string") return undefined;
  return formatQuantity(roundToMilli ? roundUp(q, -3) : q);
}
