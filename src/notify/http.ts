/**
 * One HTTP request with a timeout per attempt and retries with backoff (src/domain backoffDelay) after a
 * network error, a timeout or a 5xx answer; a 4xx answer is final (the request itself is wrong). Errors
 * name the channel's label and what happened, never the URL (a ping URL is a credential).
 */
import { backoffDelay } from '../domain/index.ts';
import { NotifyError } from './types.ts';

export interface HttpRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string | undefined;
  timeoutMs: number;
  /** Further attempts after the first. */
  retries: number;
}

export interface HttpDeps {
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

/** Waits between attempts: 1 s, 2 s, 4 s … (with jitter), at most 30 s. */
export const HTTP_BACKOFF = { initialDelay: 1_000, maxDelay: 30_000 } as const;

/** The longest a request with these settings can take, retries and waits included. */
export function httpDeadline(timeoutMs: number, retries: number): number {
  let total = timeoutMs * (retries + 1);
  for (let a = 1; a <= retries; a++) total += backoffDelay(a, HTTP_BACKOFF, 1);
  return total + 1_000;
}

function networkProblem(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return 'no answer in time';
  const cause = err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
  const code = cause?.code;
  return code !== undefined
    ? `network error ${code}`
    : `network error: ${err instanceof Error ? err.message : String(err)}`;
}

type Attempt =
  { ok: true } | { ok: false; retry: boolean; problem: string; status?: number; cause?: unknown };

async function attempt(req: HttpRequest): Promise<Attempt> {
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.timeout(req.timeoutMs),
      redirect: 'follow',
    });
  } catch (err) {
    return { ok: false, retry: true, problem: networkProblem(err), cause: err };
  }
  // The answer's body is not needed; reading it frees the connection.
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return { ok: true };
  const problem = `HTTP ${res.status}${res.statusText !== '' ? ` ${res.statusText}` : ''}`;
  return { ok: false, retry: res.status >= 500, problem, status: res.status };
}

export async function sendHttp(req: HttpRequest, deps: HttpDeps): Promise<void> {
  const attempts = req.retries + 1;
  for (let n = 1; ; n++) {
    const r = await attempt(req);
    if (r.ok) return;
    if (!r.retry || n >= attempts) {
      const tries = n === 1 ? '' : ` (after ${n} attempts)`;
      throw new NotifyError(`${r.problem}${tries}`, { cause: r.cause, status: r.status });
    }
    await deps.sleep(backoffDelay(n, HTTP_BACKOFF, deps.random()));
  }
}
