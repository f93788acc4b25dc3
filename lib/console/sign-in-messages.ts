// What the sign-in page says, by error code: the same words for an unknown email and a wrong
// password, so the page never tells an attacker which accounts exist.
export const SIGN_IN_ERRORS: Record<string, string> = {
  invalid_credentials: "That email and password do not match an active account. Check both and try again.",
  throttled: "Too many failed attempts. Wait 15 minutes and try again, or ask an admin to check your account.",
  oidc_not_allowed: "Your single sign-on account is not a SoCode console user. Ask an admin to create a user with your email.",
  OAuthSignin: "Single sign-on could not start. Try again, or sign in with your email and password.",
  OAuthCallback: "Single sign-on did not complete. Try again, or sign in with your email and password.",
  AccessDenied: "Your single sign-on account is not a SoCode console user. Ask an admin to create a user with your email.",
};

export const GENERIC_SIGN_IN_ERROR = "Sign-in failed. Try again in a moment.";

export function signInErrorMessage(code: string | null | undefined): string | null {
  if (!code) return null;
  return SIGN_IN_ERRORS[code] ?? (code === "CredentialsSignin" ? (SIGN_IN_ERRORS.invalid_credentials ?? GENERIC_SIGN_IN_ERROR) : GENERIC_SIGN_IN_ERROR);
}
