import { traceFields } from '../../service/trace';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('traceFields', () => {
  it('reads W3C traceparent, in the form Cloud Logging groups by', () => {
    expect(traceFields({ traceparent: `00-${TRACE}-00f067aa0ba902b7-01` }, 'acme-prod')).toEqual({
      'logging.googleapis.com/trace': `projects/acme-prod/traces/${TRACE}`,
      'logging.googleapis.com/spanId': '00f067aa0ba902b7',
      'logging.googleapis.com/trace_sampled': true,
    });
  });

  it('reads X-Cloud-Trace-Context, turning the decimal span into hex', () => {
    expect(
      traceFields({ 'x-cloud-trace-context': `${TRACE.toUpperCase()}/12345;o=0` }, 'acme'),
    ).toEqual({
      'logging.googleapis.com/trace': `projects/acme/traces/${TRACE}`,
      'logging.googleapis.com/spanId': '0000000000003039',
      'logging.googleapis.com/trace_sampled': false,
    });
  });

  it('prefers traceparent when both are present, and keeps a bare trace ID without a project', () => {
    const fields = traceFields(
      {
        traceparent: `00-${TRACE}-00f067aa0ba902b7-00`,
        'x-cloud-trace-context': `${'1'.repeat(32)}/1;o=1`,
      },
      undefined,
    );
    expect(fields).toEqual(
      expect.objectContaining({ traceId: TRACE, 'logging.googleapis.com/trace_sampled': false }),
    );
  });

  it.each([
    ['no header', {}],
    ['a malformed traceparent', { traceparent: 'nonsense' }],
    ['an all-zero trace ID', { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` }],
    ['a malformed cloud header', { 'x-cloud-trace-context': 'xyz/1' }],
  ])('adds nothing for %s', (_name, headers) => {
    expect(traceFields(headers, 'acme')).toEqual({});
  });

  it('reads the largest 64-bit span ID', () => {
    expect(
      traceFields({ 'x-cloud-trace-context': `${TRACE}/18446744073709551615;o=1` }, 'acme'),
    ).toEqual(expect.objectContaining({ 'logging.googleapis.com/spanId': 'ffffffffffffffff' }));
  });

  it('must not parse a span ID longer than a 64-bit number (a 16 KB span cut 401 throughput 6×)', () => {
    const fields = traceFields(
      { 'x-cloud-trace-context': `${TRACE}/${'9'.repeat(16 * 1024)};o=1` },
      'acme',
    );
    expect(fields['logging.googleapis.com/spanId']).toBeUndefined();
  });
});
