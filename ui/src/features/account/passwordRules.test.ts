import { describe, expect, it } from 'vitest';
import { passwordBytes, passwordChars, passwordProblem, validateNewPassword } from './passwordRules';

describe('password rules', () => {
  it('asks for a password when there is none', () => {
    expect(passwordProblem('')).toBe('Enter a new password.');
  });

  it('needs at least 12 characters', () => {
    expect(passwordProblem('short-pass1')).toMatch(/at least 12 characters \(this one has 11\)/);
    expect(passwordProblem('twelve-chars')).toBeUndefined();
  });

  it('counts characters, not UTF-16 units or bytes', () => {
    // 12 emoji: 24 UTF-16 units, 48 bytes, 12 characters
    const emoji = '😀'.repeat(12);
    expect(passwordChars(emoji)).toBe(12);
    expect(passwordBytes(emoji)).toBe(48);
    expect(passwordProblem(emoji)).toBeUndefined();
    // 11 accented letters are still too short even though they are 22 bytes
    expect(passwordProblem('é'.repeat(11))).toMatch(/at least 12/);
  });

  it('allows at most 72 bytes of UTF-8', () => {
    expect(passwordProblem('a'.repeat(72))).toBeUndefined();
    expect(passwordProblem('a'.repeat(73))).toMatch(/at most 72 bytes: this one has 73/);
    // 37 two-byte letters: 37 characters but 74 bytes
    expect(passwordProblem('é'.repeat(37))).toMatch(/at most 72 bytes/);
    expect(passwordProblem('é'.repeat(36))).toBeUndefined();
  });

  it('needs the confirmation to match', () => {
    expect(validateNewPassword('correct horse battery', 'correct horse battery')).toEqual({});
    expect(validateNewPassword('correct horse battery', 'correct horse batterY')).toEqual({
      confirm: 'The two passwords do not match.',
    });
    expect(validateNewPassword('correct horse battery', '')).toEqual({ confirm: 'Enter the new password again.' });
  });

  it('reports both fields at once', () => {
    const e = validateNewPassword('short', 'other');
    expect(e.password).toMatch(/at least 12/);
    expect(e.confirm).toBe('The two passwords do not match.');
  });
});
