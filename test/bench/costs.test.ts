import { measureCosts } from '../../bench/costs';

describe('bench: where the CPU goes', () => {
  it('measures each part of an answered request, in CPU µs per call', async () => {
    const rows = await measureCosts(200);
    expect(rows.map((r) => r.part)).toEqual([
      'JSON.parse of the request',
      'the request checked against the WebhookRequest schema',
      'auth platform: the forwarded claims checked',
      'the protocol core end to end (auth platform), no log line (level error)',
      'the same with its request log line',
    ]);
    for (const row of rows) {
      expect(Number.isFinite(row.cpuUs)).toBe(true);
      expect(row.cpuUs).toBeGreaterThan(0);
    }
  });
});
