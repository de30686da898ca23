import v8 from 'node:v8';

/**
 * How far V8 lets the heap grow past what survived its last full collection before it collects
 * again. By default the factor adapts up to 4× when collections are cheap; the archiver's live
 * data is small and flat (≈ 55 MB through a whole day benchmark, measured with --trace-gc) but it
 * allocates hundreds of kilobytes per delivery, so its heap reached 200+ MB of mostly garbage and
 * its resident memory grew with the day's length. A fixed factor of 1.5 keeps the heap near 1.5× the
 * live data for somewhat more collection work.
 *
 * Not a cap: unlike --max-old-space-size the heap still grows as far as live data needs, so a
 * large day cannot run out of memory because of it. Set at run time (the flag is read whenever V8
 * sizes the heap after a collection); process-wide, so every host sets it through the Core.
 */
export function boundHeapGrowth(percent = 50): void {
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
