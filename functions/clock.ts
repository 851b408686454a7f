// The one notion of "now" the functions share, so tests can move time (an invitation's expiry,
// the sweeper's grace periods) without touching the system clock.

export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
