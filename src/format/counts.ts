import { SEVERITIES, type Finding } from '../model.js';

/** plural writes a count with its noun: "1 error", "2 errors". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** severityCounts counts findings by severity, most severe first, leaving out zeros: "1 error, 2 warnings". */
export function severityCounts(findings: readonly Finding[]): string {
  return SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => plural(n, s))
    .join(', ');
}
