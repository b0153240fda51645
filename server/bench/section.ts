/**
 * What a benchmark section is: main.ts runs every section in turn, merges their figures into one JSON object, and
 * prints each section's table (or its figures, one per line, if it has none).
 */
export interface BenchOptions {
  /** A smaller run for development. */
  quick: boolean;
  /** Progress for the person watching; goes to stderr so that `--json` keeps stdout clean. */
  log(message: string): void;
}

export interface SectionTable {
  title: string;
  header: string[];
  rows: string[][];
}

export interface SectionResult {
  figures: Record<string, number>;
  table?: SectionTable;
  /** Targets this run missed, described. */
  missed?: string[];
}

export interface BenchSection {
  name: string;
  run(options: BenchOptions): Promise<SectionResult>;
}
