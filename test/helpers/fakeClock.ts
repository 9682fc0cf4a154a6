/** A clock that moves only when the tool under test sleeps, so waits are checked exactly and at once. */
export function fakeClock() {
  let clock = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => clock,
    sleep: (ms: number) => {
      sleeps.push(ms);
      clock += ms;
      return Promise.resolve();
    },
  };
}
