/**
 * Prometheus metrics of the server, served at `GET /metrics`: runs by outcome and their duration,
 * findings by rule, GitHub API errors and rate-limit waits, and the analysis queue's depth, beside
 * Node's own process metrics (prom-client's defaults).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The server's metrics registry. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const runs = new Counter({
  name: 'leakhound_runs_total',
  help: 'Review runs, by the check run conclusion (error: the run stopped on a failed step)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

const runSeconds = new Histogram({
  name: 'leakhound_run_duration_seconds',
  help: 'Time from the start of a run to its end',
  buckets: [0.5, 1, 2, 5, 10, 20, 40, 80, 160],
  registers: [registry],
});

const findings = new Counter({
  name: 'leakhound_findings_total',
  help: 'Findings reported in the changed lines, by rule',
  labelNames: ['rule'] as const,
  registers: [registry],
});

const githubErrors = new Counter({
  name: 'leakhound_github_request_errors_total',
  help: 'GitHub API requests that failed, by HTTP status ("none": no answer)',
  labelNames: ['status'] as const,
  registers: [registry],
});

const rateLimitWaits = new Counter({
  name: 'leakhound_github_rate_limit_wait_seconds_total',
  help: 'Seconds spent waiting because GitHub asked to (retry-after, rate limits)',
  registers: [registry],
});

let queueDepth: () => number = () => 0;
new Gauge({
  name: 'leakhound_analysis_queue_depth',
  help: 'Slices of analysis waiting for a worker',
  registers: [registry],
  collect() {
    this.set(queueDepth());
  },
});

/** Records a finished run: its outcome, how long it took, and the rules of its findings. */
export function recordRun(outcome: string, seconds: number, rules: readonly string[] = []): void {
  runs.inc({ outcome });
  runSeconds.observe(seconds);
  for (const rule of rules) findings.inc({ rule });
}

/** Records a failed GitHub request. */
export function recordGitHubError(status: number | undefined): void {
  githubErrors.inc({ status: status === undefined ? 'none' : String(status) });
}

/** Records a wait GitHub asked for. */
export function recordRateLimitWait(seconds: number): void {
  rateLimitWaits.inc(seconds);
}

/** Where the queue depth comes from (the analysis pool). */
export function measureQueueDepth(depth: () => number): void {
  queueDepth = depth;
}
