// Times as the monitoring views say them: relative when near ("5 min ago", "in 40 min"),
// short and absolute otherwise ("30 Nov 14:02"). `now` is passed in so views re-render as it ticks.

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

function two(n: number) {
  return String(n).padStart(2, "0");
}

/** "30 Nov 14:02" (with the year when it is not this year's). */
export function shortDateTime(iso: string | null | undefined, now = Date.now()): string {
  const d = parse(iso);
  if (!d) return "";
  const month = d.toLocaleString(undefined, { month: "short" });
  const year = d.getFullYear() !== new Date(now).getFullYear() ? ` ${d.getFullYear()}` : "";
  return `${d.getDate()} ${month}${year} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", then the date. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  const d = parse(iso);
  if (!d) return "never";
  const ms = now - d.getTime();
  if (ms < MIN) return "just now";
  if (ms < HOUR) return `${Math.floor(ms / MIN)} min ago`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)} h ago`;
  if (ms < 7 * DAY) {
    const days = Math.floor(ms / DAY);
    return days === 1 ? "yesterday" : `${days} days ago`;
  }
  return shortDateTime(iso, now);
}

/** "in 40 min", "in 3 h", "due now". */
export function until(iso: string | null | undefined, now = Date.now()): string {
  const d = parse(iso);
  if (!d) return "not scheduled";
  const ms = d.getTime() - now;
  if (ms <= 0) return "due now";
  if (ms < MIN) return "in less than a minute";
  if (ms < HOUR) return `in ${Math.round(ms / MIN)} min`;
  if (ms < DAY) return `in ${Math.round(ms / HOUR)} h`;
  const days = Math.round(ms / DAY);
  return days === 1 ? "tomorrow" : `in ${days} days`;
}

/** An entry's time in a list: relative within a day, else the short date. */
export function listTime(iso: string | null | undefined, now = Date.now()): string {
  const d = parse(iso);
  if (!d) return "";
  return now - d.getTime() < DAY ? ago(iso, now) : shortDateTime(iso, now);
}

/** The full local date and time, for tooltips. */
export function fullTime(iso: string | null | undefined): string {
  const d = parse(iso);
  return d ? d.toLocaleString(undefined, { dateStyle: "full", timeStyle: "short" }) : "";
}
