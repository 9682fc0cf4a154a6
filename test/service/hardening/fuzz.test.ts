import { describeFuzzing } from './fuzzing';

// The first cases of the seeded sequence; fuzz.slow.test.ts runs the full count.
describeFuzzing(250);
