import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptable } from '../../electron/sandbox/spec/openapi';
import { assertNoViolations, reportViolation, takeViolations } from '../../electron/sandbox/spec/violations';

describe('spec validation helpers', () => {
  it('reads Accept as RFC 9110 does: wildcards, parameters, q=0 refusals', () => {
    expect(acceptable('application/json', 'application/octet-stream')).toBe(false);
    expect(acceptable('application/octet-stream', 'application/octet-stream')).toBe(true);
    expect(acceptable('application/*', 'application/octet-stream')).toBe(true);
    expect(acceptable('*/*', 'application/json')).toBe(true);
    expect(acceptable('text/html, application/json;q=0.9', 'application/json')).toBe(true);
    expect(acceptable('application/json;q=0, */*;q=0', 'application/json')).toBe(false);
    expect(acceptable('APPLICATION/JSON; charset=utf-8', 'application/json')).toBe(true);
  });

  it('any Accept list that names a type (with any q above 0) allows it, and none that omits it and its wildcards does', () => {
    const token = fc.stringMatching(/^[a-z][a-z0-9.+-]{0,8}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(token, token), { maxLength: 5 }), token, token, fc.integer({ min: 1, max: 1000 }), (others, main, sub, q) => {
        const type = `${main}/${sub}`;
        const rest = others.filter(([m, s]) => m !== main || s !== sub).map(([m, s]) => `${m}/${s}`);
        expect(acceptable([...rest, `${type};q=${q / 1000}`].join(', '), type)).toBe(true);
        expect(acceptable(rest.join(', '), type)).toBe(false);
      }),
    );
  });

  it('keeps violations per source until taken; the guard throws naming each', () => {
    const a = {};
    const b = {};
    reportViolation({ service: 'symphony', direction: 'request', call: 'GET /x', operation: 'get /x', status: 406, problems: ['wrong Accept'], source: a });
    reportViolation({ service: 'graph', direction: 'request', call: 'POST /y', operation: 'message', status: 400, problems: ['bad body'], source: b });
    expect(takeViolations(a)).toMatchObject([{ call: 'GET /x' }]);
    expect(takeViolations(a)).toEqual([]);
    expect(() => assertNoViolations()).toThrow(/1 contract violation.*\n- graph request POST \/y \(message, HTTP 400\): bad body/);
    expect(takeViolations()).toEqual([]);
  });
});
