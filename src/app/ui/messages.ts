/**
 * Every string the pages of `tollgate serve` show, one catalogue per language. English is the
 * contract (DESIGN.md fixes "Username", "Password", "Sign in", "Allow", "Deny"); German is the
 * second language, the proof that a page carries no string of its own.
 */

/** One language's page strings. `{name}` in a string is filled in by `format` (and escaped with the page). */
export interface Messages {
  /** English: "Sign in". */
  signInTitle: string;
  /** English: "Sign in". */
  signInHeading: string;
  /** `{client}`: the client's name. Shown after the heading, the name in bold. English: "to continue to". */
  toContinueTo: string;
  /** English: "Username". */
  username: string;
  /** English: "Password". */
  password: string;
  /** English: "Sign in". */
  signInButton: string;
  /** English: "Too many sign-in attempts. Try again in {seconds} seconds.". */
  tooManyAttempts: string;
  /** English: "Incorrect username or password.". */
  incorrectCredentials: string;
  /** English: "Allow access?". */
  consentTitle: string;
  /** The consent heading, after the client's name (in bold). English: "wants to access your account". */
  wantsAccess: string;
  /** `{username}` English: "Signed in as {username}". */
  signedInAs: string;
  /** English: "Not you?". */
  notYou: string;
  /** English: "Sign out". */
  signOutLink: string;
  /** `{host}` English: "You will be sent to {host}.". */
  sentTo: string;
  /** English: "The application named itself; this server has not verified that name.". */
  unverifiedName: string;
  /** English: "It asks for basic access to your account, with no particular scope.". */
  noScope: string;
  /** English: "It asks for:". */
  asksFor: string;
  /** English: "At:". */
  at: string;
  /** English: "Allow". */
  allow: string;
  /** English: "Deny". */
  deny: string;
  /** English: "This request cannot be completed". */
  problemTitle: string;
  /** English: "You can close this page and go back to the application you came from.". */
  closeAndGoBack: string;
  /** English: "This form has expired or was not sent from this site. Go back to the application and start again.". */
  formExpired: string;
  /** English: "Sign out". */
  signOutTitle: string;
  /** English: "Sign out?". */
  signOutHeading: string;
  /** English: "Sign out". */
  signOutButton: string;
  /** English: "Signed out". */
  signedOutTitle: string;
  /** English: "You are signed out". */
  signedOutHeading: string;
  /** English: "You can close this page.". */
  canClose: string;
  /** English: "Connect a device". */
  deviceTitle: string;
  /** English: "Enter the code shown on your device. Only continue if you started this on a device of your own.". */
  deviceIntro: string;
  /** English: "Code". */
  deviceCode: string;
  /** English: "Continue". */
  continueButton: string;
  /** English: "Device connected". */
  deviceConnectedTitle: string;
  /** After the client's name (in bold). English: "now has access.". */
  nowHasAccess: string;
  /** English: "Access denied". */
  accessDeniedTitle: string;
  /** After the client's name (in bold). English: "was not given access.". */
  notGivenAccess: string;
  /** English: "You can return to your device.". */
  returnToDevice: string;
  /** English: "That code is not valid, or it has expired. Check the code on your device and try again.". */
  wrongCode: string;
  /** English: "This code has expired or was already used. Start again on your device.". */
  codeGone: string;
  /** `{seconds}` English: "Too many codes entered. Try again in {seconds} seconds.". */
  tooManyCodes: string;
  /** English: "Use the form on this page.". */
  useTheForm: string;
}

const en: Messages = {
  signInTitle: 'Sign in',
  signInHeading: 'Sign in',
  toContinueTo: 'to continue to',
  username: 'Username',
  password: 'Password',
  signInButton: 'Sign in',
  tooManyAttempts: 'Too many sign-in attempts. Try again in {seconds} seconds.',
  incorrectCredentials: 'Incorrect username or password.',
  consentTitle: 'Allow access?',
  wantsAccess: 'wants to access your account',
  signedInAs: 'Signed in as {username}',
  notYou: 'Not you?',
  signOutLink: 'Sign out',
  sentTo: 'You will be sent to {host}.',
  unverifiedName: 'The application named itself; this server has not verified that name.',
  noScope: 'It asks for basic access to your account, with no particular scope.',
  asksFor: 'It asks for:',
  at: 'At:',
  allow: 'Allow',
  deny: 'Deny',
  problemTitle: 'This request cannot be completed',
  closeAndGoBack: 'You can close this page and go back to the application you came from.',
  formExpired: 'This form has expired or was not sent from this site. Go back to the application and start again.',
  signOutTitle: 'Sign out',
  signOutHeading: 'Sign out?',
  signOutButton: 'Sign out',
  signedOutTitle: 'Signed out',
  signedOutHeading: 'You are signed out',
  canClose: 'You can close this page.',
  deviceTitle: 'Connect a device',
  deviceIntro: 'Enter the code shown on your device. Only continue if you started this on a device of your own.',
  deviceCode: 'Code',
  continueButton: 'Continue',
  deviceConnectedTitle: 'Device connected',
  nowHasAccess: 'now has access.',
  accessDeniedTitle: 'Access denied',
  notGivenAccess: 'was not given access.',
  returnToDevice: 'You can return to your device.',
  wrongCode: 'That code is not valid, or it has expired. Check the code on your device and try again.',
  codeGone: 'This code has expired or was already used. Start again on your device.',
  tooManyCodes: 'Too many codes entered. Try again in {seconds} seconds.',
  useTheForm: 'Use the form on this page.',
};

const de: Messages = {
  signInTitle: 'Anmelden',
  signInHeading: 'Anmelden',
  toContinueTo: 'weiter zu',
  username: 'Benutzername',
  password: 'Passwort',
  signInButton: 'Anmelden',
  tooManyAttempts: 'Zu viele Anmeldeversuche. Versuchen Sie es in {seconds} Sekunden erneut.',
  incorrectCredentials: 'Benutzername oder Passwort ist falsch.',
  consentTitle: 'Zugriff erlauben?',
  wantsAccess: 'möchte auf Ihr Konto zugreifen',
  signedInAs: 'Angemeldet als {username}',
  notYou: 'Nicht Sie?',
  signOutLink: 'Abmelden',
  sentTo: 'Sie werden zu {host} weitergeleitet.',
  unverifiedName: 'Die Anwendung hat sich selbst benannt; dieser Server hat den Namen nicht geprüft.',
  noScope: 'Sie bittet um einfachen Zugriff auf Ihr Konto, ohne bestimmten Bereich.',
  asksFor: 'Sie bittet um:',
  at: 'Bei:',
  allow: 'Erlauben',
  deny: 'Ablehnen',
  problemTitle: 'Diese Anfrage kann nicht abgeschlossen werden',
  closeAndGoBack: 'Sie können diese Seite schließen und zur Anwendung zurückkehren, von der Sie kamen.',
  formExpired: 'Dieses Formular ist abgelaufen oder wurde nicht von dieser Website gesendet. Kehren Sie zur Anwendung zurück und beginnen Sie erneut.',
  signOutTitle: 'Abmelden',
  signOutHeading: 'Abmelden?',
  signOutButton: 'Abmelden',
  signedOutTitle: 'Abgemeldet',
  signedOutHeading: 'Sie sind abgemeldet',
  canClose: 'Sie können diese Seite schließen.',
  deviceTitle: 'Gerät verbinden',
  deviceIntro: 'Geben Sie den Code ein, den Ihr Gerät anzeigt. Fahren Sie nur fort, wenn Sie dies selbst auf Ihrem eigenen Gerät begonnen haben.',
  deviceCode: 'Code',
  continueButton: 'Weiter',
  deviceConnectedTitle: 'Gerät verbunden',
  nowHasAccess: 'hat jetzt Zugriff.',
  accessDeniedTitle: 'Zugriff verweigert',
  notGivenAccess: 'hat keinen Zugriff erhalten.',
  returnToDevice: 'Sie können zu Ihrem Gerät zurückkehren.',
  wrongCode: 'Dieser Code ist ungültig oder abgelaufen. Prüfen Sie den Code auf Ihrem Gerät und versuchen Sie es erneut.',
  codeGone: 'Dieser Code ist abgelaufen oder wurde bereits verwendet. Beginnen Sie erneut auf Ihrem Gerät.',
  tooManyCodes: 'Zu viele Codes eingegeben. Versuchen Sie es in {seconds} Sekunden erneut.',
  useTheForm: 'Verwenden Sie das Formular auf dieser Seite.',
};

/** English: the contract's labels, and the fallback. */
export const ENGLISH: Messages = en;

/** The built-in catalogues, by BCP 47 primary language tag. English first: the default. */
export const CATALOGUES: Readonly<Record<string, Messages>> = { en, de };

/** The languages tollgate has pages in. */
export const LANGUAGES: readonly string[] = Object.keys(CATALOGUES);

/** A message with its `{name}` parts filled in (plain text: the page escapes it). */
export function format(message: string, values: Readonly<Record<string, string | number>>): string {
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? String(values[name]) : whole));
}
