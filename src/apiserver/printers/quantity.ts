/**
 * resource.Quantity as kube prints it (Quantity.String()): the canonical form of a quantity,
 * which is what a real apiserver shows even when the client wrote "1000m" or "1024Mi".
 *
 * A quantity is held as unscaled * 10^scale (BigInt, exact). Parsing follows apimachinery's
 * rules (suffix decides the format: decimal SI, binary SI or decimal exponent; precision below
 * nano rounds away from zero); canonical output picks the largest suffix that keeps an integer
 * mantissa. Where kube keeps the caller's string because it is already canonical, so do we.
 */

type Format = "DecimalSI" | "BinarySI" | "DecimalExponent";

interface Quantity {
  unscaled: bigint;
  scale: number; // value = unscaled * 10^scale
  format: Format;
  /** The caller's spelling, kept when kube would keep it. */
  cached?: string;
}

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalByExponent = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binaryByExponent = new Map(Object.entries(binarySuffixes).map(([s, e]) => [e, s]));

const INT64_MAX = (1n << 63n) - 1n;
const NANO = -9;

/** The canonical string of a quantity given as JSON (string or number); other input prints as is. */
export function formatQuantity(value: unknown): string {
  if (typeof value === "number") value = Number.isFinite(value) ? String(value) : "";
  if (typeof value !== "string") return "0";
  const q = parseQuantity(value.trim());
  return q ? quantityString(q) : value;
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

function splitNumber(s: string): { negative: boolean; num: string; denom: string; suffix: string } | undefined {
  const m = /^([+-]?)0*(\d*)(?:\.(\d*))?(.*)$/.exec(s);
  if (!m) return undefined;
  const [, sign, digits, denom, suffix] = m;
  return { negative: sign === "-", num: digits === "" ? "0" : digits!, denom: denom ?? "", suffix: suffix! };
}

function interpretSuffix(suffix: string): { base: 10 | 2; exponent: number; format: Format } | undefined {
  if (Object.hasOwn(decimalSuffixes, suffix)) return { base: 10, exponent: decimalSuffixes[suffix]!, format: "DecimalSI" };
  if (Object.hasOwn(binarySuffixes, suffix)) return { base: 2, exponent: binarySuffixes[suffix]!, format: "BinarySI" };
  const e = /^[eE]([+-]?\d+)$/.exec(suffix);
  if (e) return { base: 10, exponent: Number(e[1]), format: "DecimalExponent" };
  return undefined;
}

export function parseQuantity(s: string): Quantity | undefined {
  if (s === "") return undefined;
  if (s === "0") return { unscaled: 0n, scale: 0, format: "DecimalSI", cached: "0" };
  const parts = splitNumber(s);
  if (!parts) return undefined;
  const suffix = interpretSuffix(parts.suffix);
  if (!suffix) return undefined;
  const { negative, num, denom } = parts;
  const shifted = num + denom;
  const magnitude = BigInt(shifted);

  // kube's fast path: small enough for int64, no sub-nano precision. It reuses the caller's
  // string when that string already is the canonical spelling.
  let precision: number;
  let mantissa = 1n;
  let scale = 0;
  if (suffix.format === "BinarySI") {
    if (suffix.exponent >= 0 && denom.length === 0) {
      mantissa = 1n << BigInt(suffix.exponent);
      precision = 15 - num.length - Math.trunc((suffix.exponent * 3) / 10) - 1;
    } else {
      precision = -1;
    }
  } else {
    scale = suffix.exponent;
    precision = 18 - (num.length + denom.length);
  }
  if (precision >= 0) {
    scale -= denom.length;
    if (scale >= NANO && magnitude <= INT64_MAX && magnitude * mantissa <= INT64_MAX) {
      const unscaled = (negative ? -1n : 1n) * magnitude * mantissa;
      const q: Quantity = { unscaled, scale, format: suffix.format };
      const canonicalAlready =
        suffix.format === "BinarySI"
          ? suffix.exponent % 10 === 0 && (magnitude & 7n) !== 0n
          : scale % 3 === 0 && !shifted.endsWith("000") && shifted[0] !== "0";
      if (canonicalAlready) q.cached = s;
      return q;
    }
  }

  // General path: exact arithmetic, then round away from zero to nano precision.
  let unscaled = magnitude;
  scale = -denom.length;
  if (suffix.base === 10) scale += suffix.exponent;
  else unscaled *= 1n << BigInt(suffix.exponent);
  if (scale < NANO && unscaled !== 0n) {
    const div = pow10(NANO - scale);
    unscaled = (unscaled + div - 1n) / div;
    scale = NANO;
  }
  let format = suffix.format;
  if (format === "BinarySI" && unscaled !== 0n && compareToOne(unscaled, scale) < 0) format = "DecimalSI";
  return { unscaled: negative ? -unscaled : unscaled, scale, format };
}

function compareToOne(unscaled: bigint, scale: number): number {
  const one = scale >= 0 ? 1n : pow10(-scale);
  const v = scale >= 0 ? unscaled * pow10(scale) : unscaled;
  return v < one ? -1 : v > one ? 1 : 0;
}

function quantityString(q: Quantity): string {
  if (q.cached !== undefined) return q.cached;
  if (q.unscaled === 0n) return "0";
  let format = q.format;
  if (format === "BinarySI") {
    const integer = integerValue(q);
    if (integer === undefined || (integer > -1024n && integer < 1024n)) format = "DecimalSI";
    else return base1024(integer);
  }
  return base10(q, format);
}

/** The value as an integer, or undefined when it has a fractional part. */
function integerValue(q: Quantity): bigint | undefined {
  if (q.scale >= 0) return q.unscaled * pow10(q.scale);
  const div = pow10(-q.scale);
  return q.unscaled % div === 0n ? q.unscaled / div : undefined;
}

function base1024(value: bigint): string {
  let amount = value;
  let exponent = 0;
  while (amount % 1024n === 0n && binaryByExponent.has(exponent + 10)) {
    amount /= 1024n;
    exponent += 10;
  }
  return `${amount}${binaryByExponent.get(exponent) ?? ""}`;
}

function base10(q: Quantity, format: Format): string {
  let amount = q.unscaled;
  let exponent = q.scale;
  while (amount % 10n === 0n) {
    amount /= 10n;
    exponent++;
  }
  // The exponent goes down to a multiple of three (1500m, not 1.5).
  const rem = ((exponent % 3) + 3) % 3;
  amount *= pow10(rem);
  exponent -= rem;
  if (format === "DecimalExponent") return exponent === 0 ? `${amount}` : `${amount}e${exponent}`;
  const suffix = decimalByExponent.get(exponent);
  return suffix === undefined ? `${amount}e${exponent}` : `${amount}${suffix}`;
}
