/**
 * The device page's own views (RFC 8628 §3.3): entering the user code, and the page that sends
 * the person back to their device. Sign-in and consent are the authorization endpoint's views.
 */
import { DEFAULT_THEME, html, renderPage } from './views.js';
import type { Theme } from './views.js';

/** The device code form's values. */
export interface DeviceCodeView {
  /** Where the form posts: the device page itself. */
  action: string;
  /** The hidden `csrf_token` field's value (RFC 9700 §4.7). */
  csrf: string;
  /** Prefilled from `verification_uri_complete`; the person still submits it (§5.4: remote phishing). */
  userCode?: string | undefined;
  /** An alert above the form, e.g. `messages.wrongCode`. */
  error?: string | undefined;
}

/** The form where the person types, or confirms, the code their device shows. */
export function deviceCodePage(view: DeviceCodeView, theme: Theme = DEFAULT_THEME): string {
  const { t } = theme;
  const error = view.error === undefined ? html`` : html`<p class="alert" role="alert">${view.error}</p>`;
  const values = { action: view.action, csrf: view.csrf, userCode: view.userCode ?? '', error };
  return renderPage('device-code', t.deviceTitle, values, () => html`<h1>${t.deviceTitle}</h1>
<p>${t.deviceIntro}</p>
${error}
<form method="post" action="${view.action}">
<input type="hidden" name="csrf_token" value="${view.csrf}">
<label for="user_code">${t.deviceCode}</label>
<input id="user_code" name="user_code" autocomplete="off" autocapitalize="characters" spellcheck="false" required autofocus value="${values.userCode}">
<div class="actions"><button type="submit">${t.continueButton}</button></div>
</form>`, theme);
}

/** After the decision: the device picks the answer up on its next poll. */
export function deviceDonePage(approved: boolean, clientName: string, theme: Theme = DEFAULT_THEME): string {
  const { t } = theme;
  const title = approved ? t.deviceConnectedTitle : t.accessDeniedTitle;
  const message = approved ? t.nowHasAccess : t.notGivenAccess;
  return renderPage('device-done', title, { clientName, message }, () => html`<h1>${title}</h1><p><strong>${clientName}</strong> ${message}</p><p>${t.returnToDevice}</p>`, theme);
}
