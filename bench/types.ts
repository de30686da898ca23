/** One line of the benchmark table. Ratios are what to compare across machines. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  note?: string;
}
