/** A list that test servers append to, with a promise for "once N items have arrived". */
export interface Arrivals<T> {
  items: T[];
  push: (item: T) => void;
  /** Resolves once `count` items have arrived (at once when they already have). */
  received: (count: number) => Promise<T[]>;
}

export function arrivals<T>(): Arrivals<T> {
  const items: T[] = [];
  const waiters: Array<{ count: number; resolve: (items: T[]) => void }> = [];
  return {
    items,
    push(item) {
      items.push(item);
      for (const w of waiters.filter((w) => items.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(items.slice());
      }
    },
    received: (count) =>
      items.length >= count
        ? Promise.resolve(items.slice())
        : new Promise((resolve) => waiters.push({ count, resolve })),
  };
}
