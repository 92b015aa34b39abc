import Queue from 'bull';

export interface InboxJobData {
  consumer: string;
  eventIds: string[];
}

export type InboxQueue = Queue.Queue<InboxJobData>;

/** One bull queue per consumer; jobs carry inbox ids, never payload copies. */
export function createQueues(redisUrl: string, consumers: string[]): Map<string, InboxQueue> {
  const queues = new Map<string, InboxQueue>();
  for (const name of consumers) {
    queues.set(name, new Queue<InboxJobData>(name, redisUrl, {
      prefix: 'school',
      defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000, attempts: 1 },
      settings: { stalledInterval: 5_000, lockDuration: 30_000 },
    }));
  }
  return queues;
}

export async function closeQueues(queues: Map<string, InboxQueue>): Promise<void> {
  await Promise.all([...queues.values()].map((q) => q.close().catch(() => {})));
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
