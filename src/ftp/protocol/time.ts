/** Calendar helpers shared by the reply and listing parsers (internal to src/ftp/protocol). */

/**
 * Milliseconds since the epoch of a UTC wall-clock time, or undefined when the fields do not name a real
 * time (month 13, 30 February, hour 24…). `second` may be 60 for a leap second. Works for every 4-digit year
 * (Date.UTC alone would move years 0..99 to 1900..1999).
 */
export function utcMillis(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second = 0,
  millis = 0,
): number | undefined {
  if (hour > 23 || minute > 59 || second > 60 || millis > 999) {
    return undefined;
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, 0, 0);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
    return undefined;
  }
  return d.getTime() + second * 1000 + millis;
}

/** Milliseconds of a fraction-of-a-second digit string: "5" → 500, "123456" → 123. */
export function fractionMillis(digits: string | undefined): number {
  return digits === undefined ? 0 : Number(digits.padEnd(3, '0').slice(0, 3));
}
