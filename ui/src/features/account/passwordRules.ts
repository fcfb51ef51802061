// The server's rules for a new password, checked before sending so a person learns at once
// what to change: at least 12 characters (Unicode code points, as the server counts them)
// and at most 72 bytes of UTF-8 (bcrypt reads no more).

export const PASSWORD_MIN_CHARS = 12;
export const PASSWORD_MAX_BYTES = 72;

const encoder = new TextEncoder();

export const passwordChars = (pw: string): number => Array.from(pw).length;
export const passwordBytes = (pw: string): number => encoder.encode(pw).length;

/** What is wrong with a new password, in words; undefined when it is fine. */
export function passwordProblem(pw: string): string | undefined {
  if (pw.length === 0) return 'Enter a new password.';
  if (passwordChars(pw) < PASSWORD_MIN_CHARS) {
    return `Use at least ${PASSWORD_MIN_CHARS} characters (this one has ${passwordChars(pw)}).`;
  }
  if (passwordBytes(pw) > PASSWORD_MAX_BYTES) {
    return `Use at most ${PASSWORD_MAX_BYTES} bytes: this one has ${passwordBytes(pw)} (accented letters and symbols take 2 to 4 bytes each).`;
  }
  return undefined;
}

export interface NewPasswordErrors {
  password?: string;
  confirm?: string;
}

/** The new password and its confirmation; an empty object when both are fine. */
export function validateNewPassword(pw: string, confirm: string): NewPasswordErrors {
  const errors: NewPasswordErrors = {};
  const p = passwordProblem(pw);
  if (p) errors.password = p;
  if (confirm.length === 0) errors.confirm = 'Enter the new password again.';
  else if (confirm !== pw) errors.confirm = 'The two passwords do not match.';
  return errors;
}

export const PASSWORD_HINT = `At least ${PASSWORD_MIN_CHARS} characters. A few unrelated words make a good password.`;
