import { describe, expect, it } from 'vitest';
import { evidenceOf } from './verifyPerformance.js';

describe('routes named by a diagnosis', () => {
  it('given templates and hypotheses naming routes, then each route once with its share of the mentions', () => {
    const evidence = evidenceOf([
      {
        kind: 'error',
        title: 'New error template "unhandled error in POST /checkout: <*>"',
        hypothesis: 'POST /checkout fails in createShipment',
        evidence: { template: 'GET /products/:sku completed status=<*>', count: 3 },
      },
    ]);
    expect(evidence?.routes).toEqual([
      { method: 'POST', path: '/checkout', share: 2 / 3 },
      { method: 'GET', path: '/products/:sku', share: 1 / 3 },
    ]);
  });

  it('given no route in the text, then no evidence (the benchmark mix is replayed)', () => {
    expect(evidenceOf([{ kind: 'performance', title: 'chargePayment got slower', evidence: {} }])).toBeNull();
  });

  it('given hostile text, then only method-and-path candidates come out, for replayPlan to judge', () => {
    const evidence = evidenceOf([{ title: 'GET /a;rm -rf / and DELETE /../../etc/passwd and FETCH /x' }]);
    expect(evidence?.routes.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /a',
      'DELETE /../../etc/passwd',
    ]);
  });
});
