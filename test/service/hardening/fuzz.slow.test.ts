import { describeFuzzing } from './fuzzing';

// The full count of the seeded sequence; fuzz.test.ts runs its first cases in `npm test`.
describeFuzzing(2500);
