import { safeEqual } from '../../../service/auth/safeEqual';

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
