// Navigation state shared by pages: what to stop when leaving a page.
const cleanups = new Set();

export const onLeave = (fn) => cleanups.add(fn);

export function leave() {
  for (const fn of cleanups) fn();
  cleanups.clear();
}

export function go(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}
