// Sizes as people read them, the same as the `file_size` template filter
// (files/templatetags/drive.py): SI units, 1 kB = 1,000 bytes, 1 MB = 1,000,000 bytes,
// at most three significant digits ("1.5 kB", "20.9 MB", "312 GB").
const UNITS = ["kB", "MB", "GB", "TB", "PB"];

export function formatSize(bytes) {
  if (Math.abs(bytes) < 1000) return `${Math.round(bytes)} B`;
  let amount = bytes;
  let unit = UNITS[0];
  for (unit of UNITS) {
    amount /= 1000;
    if (Math.abs(amount) < 999.5 || unit === UNITS.at(-1)) break;
  }
  const digits = Math.abs(amount) < 99.95 ? 1 : 0;
  const shown = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    maximumFractionDigits: digits, minimumFractionDigits: 0, useGrouping: false,
  }).format(amount);
  return `${shown} ${unit}`;
}
