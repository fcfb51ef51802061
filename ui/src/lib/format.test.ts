import { formatMoney } from './format';

describe('formatMoney', () => {
  it('keeps pence and groups thousands', () => {
    expect(formatMoney(987654321.5)).toBe('£987,654,321.50');
    expect(formatMoney(1200)).toBe('£1,200');
  });
  it('shortens with suffixes of its own, the same on every ICU', () => {
    expect(formatMoney(137_600_000, 'GBP', true)).toBe('£137.6m');
    expect(formatMoney(12_500, 'GBP', true)).toBe('£12.5k');
    expect(formatMoney(1_230_000_000, 'GBP', true)).toBe('£1.2bn');
    expect(formatMoney(950, 'GBP', true)).toBe('£950');
    expect(formatMoney(2_000_000, 'EUR', true)).toBe('€2m');
  });
});
