/** Human-readable progress of the start-up, on stderr, beside the JSON logs. */
export function progress(total: number) {
  let n = 0;
  return async <T>(what: string, step: () => Promise<T>): Promise<T> => {
    n += 1;
    const started = Date.now();
    process.stderr.write(`\x1b[1m[${n}/${total}]\x1b[0m ${what} ...\n`);
    const result = await step();
    process.stderr.write(`      done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return result;
  };
}
