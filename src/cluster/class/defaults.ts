// A class's defaults.

/** Students' labs brought up at once on one engine (engines work in parallel). */
export const DEFAULT_PARALLEL_PER_ENGINE = 2;
/** Each student's `up` waits this long for its pods to be ready, as `netlab up` does. */
export const DEFAULT_WAIT_S = 60;
/** Students graded at once on one engine. */
export const GRADE_PARALLEL_PER_ENGINE = 4;
