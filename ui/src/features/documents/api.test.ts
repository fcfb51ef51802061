import { describe, expect, it } from 'vitest';
import { etagOf } from './api';

describe('etagOf', () => {
  it('drops the suffix mod_deflate adds, and falls back to the version', () => {
    expect(etagOf({ version: 3 }, '"v3-gzip"')).toBe('"v3"');
    expect(etagOf({ version: 3 }, 'W/"v3"')).toBe('W/"v3"');
    expect(etagOf({ version: 4 }, null)).toBe('"v4"');
  });
});
