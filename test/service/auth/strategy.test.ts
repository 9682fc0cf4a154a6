import { bearerToken, safeEqual } from '../../../service/auth/strategy';

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc', 'abc'],
    ['BEARER   abc  ', 'abc'],
    ['Bearer ', undefined],
    ['Bearer a b', undefined],
    ['Bearerabc', undefined],
    ['Basic abc', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j → %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe('safeEqual', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'abcd', false],
    ['', 'abc', false],
    ['', '', true],
    ['é', 'e\u0301', false],
  ])('%j vs %j is %s', (a, b, equal) => {
    expect(safeEqual(a, b)).toBe(equal);
  });
});
