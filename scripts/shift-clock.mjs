// Moves "now" of a Node process (and of every Node process it starts: vitest's workers, the test
// children) to another time of day or another date, so a test that depends on the wall clock fails
// here instead of at 00:30 on the CI machine:
//
//   SHIFT_MIN=30  NODE_OPTIONS="--import ./scripts/shift-clock.mjs" npx vitest run <files>   # today 00:30 UTC
//   SHIFT_TO=2027-03-13T20:00:00Z TZ=America/Anchorage NODE_OPTIONS="--import ./scripts/shift-clock.mjs" npx vitest run <files>
//
// The clock keeps running from there at its real rate. Only Date (Date.now() and `new Date()`)
// moves: timers, performance.now() and Chromium keep the real time (Chromium does follow TZ).
// docs/ARCHITECTURE.md (Testing) says which settings the suite is checked with.
const RealDate = Date;
const realNow = RealDate.now();
const DAY = 86_400_000;
const target = process.env.SHIFT_TO !== undefined ? RealDate.parse(process.env.SHIFT_TO) : Math.floor(realNow / DAY) * DAY + Number(process.env.SHIFT_MIN ?? 30) * 60_000;
if (!Number.isFinite(target)) throw new Error(`shift-clock: SHIFT_TO "${process.env.SHIFT_TO}" is not a date; use an ISO time such as 2027-03-13T20:00:00Z`);
const offset = target - realNow;

const now = () => RealDate.now() + offset;
// A proxy, not a subclass: `Date()` called without `new` (a string of now) works too, and
// `instanceof Date` and Date.UTC/parse stay the real ones.
globalThis.Date = new Proxy(RealDate, {
  construct: (Target, args, newTarget) => Reflect.construct(Target, args.length === 0 ? [now()] : args, newTarget === globalThis.Date ? Target : newTarget),
  apply: () => new RealDate(now()).toString(),
  get: (Target, key, receiver) => (key === 'now' ? now : Reflect.get(Target, key, receiver)),
});
