/** Time as a dependency, one shape for every capability: `clock()` is now. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
