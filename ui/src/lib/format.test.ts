import { describeAction, fileTypeLabel, formatBytes, formatMoney } from './format';

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

describe('formatBytes', () => {
  it('reads bytes, then binary multiples with one decimal below 100', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(1023)).toBe('1,023 bytes');
    expect(formatBytes(1024)).toBe('1 KB');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(12.34 * 1024 * 1024)).toBe('12.3 MB');
    expect(formatBytes(240 * 1024 * 1024 + 5000)).toBe('240 MB');
    expect(formatBytes(1024 * 1024 - 1)).toBe('1 MB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5 GB');
    expect(formatBytes(-1)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
  });
});

describe('fileTypeLabel', () => {
  it('names the types a data room holds and shows others as they are', () => {
    expect(fileTypeLabel('application/pdf')).toBe('PDF');
    expect(fileTypeLabel('text/plain; charset=us-ascii')).toBe('Text');
    expect(fileTypeLabel('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')).toBe('Excel');
    expect(fileTypeLabel('application/x-thing')).toBe('application/x-thing');
  });
});

describe('describeAction', () => {
  it('reads file actions', () => {
    expect(describeAction('document.download')).toBe('downloaded a document');
    expect(describeAction('document.version.create')).toBe('uploaded a new version of a document');
  });
});
