// Usage of a plan's keys (GetUsage): date ranges and per-day series. Pure, no DOM.

// "YYYY-MM-DD" of a Date, in UTC (as GetUsage counts days).
export const isoDay = (d) => d.toISOString().slice(0, 10);

// The last `n` days, today (UTC) included: {startDate, endDate}.
export function lastDays(n, now = new Date()) {
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const start = new Date(end.getTime() - (n - 1) * 86400000);
  return { startDate: isoDay(start), endDate: isoDay(end) };
}

// Every day from startDate to endDate, both included, as "YYYY-MM-DD".
export function daysBetween(startDate, endDate) {
  const out = [];
  const end = Date.parse(`${endDate}T00:00:00Z`);
  for (let t = Date.parse(`${startDate}T00:00:00Z`); t <= end && out.length < 400; t += 86400000) out.push(isoDay(new Date(t)));
  return out;
}

// One key's days from a GetUsage answer ({values: {keyId: [[used, remaining], ...]}}, one pair
// per day from startDate): [{date, used, remaining}]. Days the answer lacks count 0 used and
// an unknown remaining (null); a plan without a quota has no remaining either.
export function usageSeries(usage, keyId, startDate = usage?.startDate, endDate = usage?.endDate) {
  const rows = (usage && usage.values && usage.values[keyId]) || [];
  return daysBetween(startDate, endDate).map((date, i) => {
    const r = rows[i];
    const used = Array.isArray(r) ? Number(r[0]) || 0 : 0;
    const remaining = Array.isArray(r) && r.length > 1 && r[1] != null ? Number(r[1]) : null;
    return { date, used, remaining };
  });
}

// Totals over a series: requests used, and what remains at its last day (null when unknown).
export function usageTotals(series) {
  const used = series.reduce((n, d) => n + d.used, 0);
  const last = [...series].reverse().find((d) => d.remaining != null);
  return { used, remaining: last ? last.remaining : null };
}

// "12-05" from "2026-12-05": the x-axis label of a day.
export const shortDay = (date) => date.slice(5);

// The UpdateUsage operation that sets what a key has left in the current quota period.
export function remainingOps(remaining) {
  const n = Number(remaining);
  if (!Number.isInteger(n) || n < 0 || String(remaining).trim() === '') throw new Error('Enter a whole number of requests, 0 or more.');
  return [{ op: 'replace', path: '/remaining', value: String(n) }];
}
