/**
 * The device page's own views (RFC 8628 §3.3): entering the user code, and the page that sends
 * the person back to their device. Sign-in and consent are the authorization endpoint's views.
 */
import { html, page } from './views.js';
import type { Theme } from './views.js';

export interface DeviceCodeView {
  /** Where the form posts: the device page itself. */
  action: string;
  csrf: string;
  /** Prefilled from `verification_uri_complete`; the person still submits it (§5.4: remote phishing). */
  userCode?: string | undefined;
  error?: string | undefined;
}

/** The form where the person types, or confirms, the code their device shows. */
export function deviceCodePage(view: DeviceCodeView, theme?: Theme): string {
  return page(
    'Connect a device',
    html`<h1>Connect a device</h1>
<p>Enter the code shown on your device. Only continue if you started this on a device of your own.</p>
${view.error === undefined ? '' : html`<p class="alert" role="alert">${view.error}</p>`}
<form method="post" action="${view.action}">
<input type="hidden" name="csrf_token" value="${view.csrf}">
<label for="user_code">Code</label>
<input id="user_code" name="user_code" autocomplete="off" autocapitalize="characters" spellcheck="false" required autofocus value="${view.userCode ?? ''}">
<div class="actions"><button type="submit">Continue</button></div>
</form>`,
    theme,
  );
}

/** After the decision: the device picks the answer up on its next poll. */
export function deviceDonePage(approved: boolean, clientName: string, theme?: Theme): string {
  return approved
    ? page('Device connected', html`<h1>Device connected</h1><p><strong>${clientName}</strong> now has access.</p><p>You can return to your device.</p>`, theme)
    : page('Access denied', html`<h1>Access denied</h1><p><strong>${clientName}</strong> was not given access.</p><p>You can return to your device.</p>`, theme);
}
