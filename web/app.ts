// The onboarding page. The invitation token arrives in the URL fragment (never sent to a
// server by the browser), is kept in sessionStorage so a reload works, removed from the
// address bar, and sent to the API as a bearer token.

// The API's shapes, from the schemas the enrollment API validates and documents with.
import type { Enrolled, EnrollmentStatus, NewDevice } from '../functions/enrollment/schemas.ts';
import {
  currentLang,
  isMessageKey,
  type Lang,
  type MessageKey,
  preferredLang,
  setLang,
  t,
} from './i18n.ts';
import { formatMoment } from './lang.ts';

interface ApiError {
  status: number;
  code: string;
  attemptsRemaining?: number;
}

const TOKEN_KEY = 'mfa-onboarding-token';
const LANG_KEY = 'mfa-onboarding-lang';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let token: string | null = null;
let userName = '';
let device: NewDevice | null = null;
let expiresAt: string | null = null;

// ---- language --------------------------------------------------------------------------

/** Sets an element's text from a message, and remembers which, so a language switch redraws it. */
function say(el: HTMLElement, key: MessageKey, values: Record<string, string | number> = {}): void {
  el.dataset.i18nDynamic = JSON.stringify({ key, values });
  fill(el, key, values);
}

/** A message's {user} is an element of its own (.name in styles.css): tanaka-taro stays whole. */
function fill(el: HTMLElement, key: MessageKey, values: Record<string, string | number>): void {
  const [before = '', after] = t(key, { ...values, user: '\u0000' }).split('\u0000');
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = String(values.user ?? '');
  el.replaceChildren(...(after === undefined ? [before] : [before, name, after]));
}

function clear(el: HTMLElement): void {
  delete el.dataset.i18nDynamic;
  el.textContent = '';
}

function applyLang(lang: Lang): void {
  setLang(lang);
  document.documentElement.lang = lang;
  document.title = t('brand');
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = el.dataset.i18n ?? '';
    if (isMessageKey(key)) el.textContent = t(key);
  }
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n-label]')) {
    const key = el.dataset.i18nLabel ?? '';
    if (isMessageKey(key)) el.setAttribute('aria-label', t(key));
  }
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n-dynamic]')) {
    const { key, values } = JSON.parse(el.dataset.i18nDynamic ?? '{}') as {
      key: string;
      values: Record<string, string>;
    };
    if (isMessageKey(key)) fill(el, key, values);
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-lang]')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
  }
  // Dates are formatted for the language, so they are redrawn rather than kept as text.
  if (expiresAt)
    say($('expiry-text'), 'intro.expires', { time: formatMoment(currentLang(), expiresAt) });
}

// ---- API -------------------------------------------------------------------------------

async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw { status: 0, code: 'network' } satisfies ApiError;
  }
  const json = (await res.json().catch(() => ({}))) as {
    error?: { code?: string; attemptsRemaining?: number };
  };
  if (!res.ok) {
    throw {
      status: res.status,
      code: json.error?.code ?? 'unknown',
      attemptsRemaining: json.error?.attemptsRemaining,
    } satisfies ApiError;
  }
  return json as T;
}

function errorMessage(error: ApiError): MessageKey {
  if (error.status === 0) return 'error.network';
  switch (error.code) {
    case 'invalid_code':
      return 'codes.invalid';
    case 'too_many_attempts':
      return 'codes.locked';
    case 'already_enrolled':
      return 'error.already';
    case 'device_missing':
    case 'device_in_use':
    case 'setup_in_progress':
    case 'unknown_device':
      return 'error.restart';
    case 'service_unavailable':
      return 'error.busy';
    case 'user_not_found':
      return 'error.userGone';
    // A finish-only link, or an IAM user whose 50 tags leave no room: only an admin can help.
    case 'finish_only':
    case 'too_many_tags':
      return 'error.askAdmin';
    default:
      return 'error.generic';
  }
}

// ---- screens ---------------------------------------------------------------------------

function show(section: 'invalid' | 'enroll' | 'done'): void {
  $('loading').hidden = true;
  for (const id of ['invalid', 'enroll', 'done']) $(id).hidden = id !== section;
  $('main').focus();
}

/**
 * The success screen: its heading takes the focus, so a screen reader announces it, and is
 * scrolled into view (the page was scrolled down to the form, which is now gone).
 */
function showSuccess(): void {
  show('done');
  const heading = $('done-title');
  heading.focus({ preventScroll: true });
  heading.scrollIntoView({ block: 'start' });
}

function showInvalid(key: MessageKey = 'invalid.body'): void {
  say($('invalid-message'), key);
  show('invalid');
}

function showDone(result: Enrolled): void {
  say($('done-text'), 'done.body', { user: userName });
  const link = $<HTMLAnchorElement>('console-link');
  link.href = result.next.consoleSignInUrl;
  link.replaceChildren(...breakable(result.next.consoleSignInUrl));
  $('cli-command').replaceChildren(...breakable(result.next.cliCommand));
  $('serial').replaceChildren(...breakable(result.next.mfaSerialNumber));
  showRoles(result.next);
  // Nothing more to do with the link: forget it.
  sessionStorage.removeItem(TOKEN_KEY);
  showSuccess();
}

/** The roles to switch into: a console link each, and the CLI profiles for all of them. */
function showRoles(next: Enrolled['next']): void {
  $('roles').hidden = next.roles.length === 0;
  $('role-links').replaceChildren(
    ...next.roles.map((role) => {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = role.switchRoleUrl;
      link.target = '_blank';
      link.rel = 'noreferrer noopener';
      link.textContent = role.label;
      const profile = document.createElement('span');
      profile.className = 'muted';
      say(profile, 'done.roleProfile', { profile: role.profile });
      item.append(link, ' ', profile);
      return item;
    }),
  );
  // Line by line: a line's pieces do not wrap inside, and the line breaks must stay (outside
  // the pieces, whose white-space would fold them), so the block copies exactly as sent.
  $('aws-config').replaceChildren(
    ...(next.awsConfig ?? '')
      .split('\n')
      .flatMap((line, i) => [
        ...(i > 0 ? [document.createTextNode('\n')] : []),
        ...breakable(line),
      ]),
  );
}

/**
 * An ARN, URL or command that may wrap only at its spaces and after a `/` or `:`, never at a
 * hyphen (`onboarding-\ntanaka` or `-\n-token-code` read as part of the text): each piece is
 * an unbreakable span (.unbreakable > span in styles.css) and a <wbr> follows each `/` and `:`.
 * The text is unchanged, so it copies exactly.
 */
function breakable(text: string): Node[] {
  return text
    .split(/(?<=[/:])(?![/:])|(?= )|(?<= )/)
    .filter((piece) => piece !== '')
    .flatMap((piece, i, pieces): Node[] => {
      if (piece === ' ') return [document.createTextNode(' ')];
      const span = document.createElement('span');
      span.textContent = piece;
      const next = pieces[i + 1];
      return next !== undefined && next !== ' ' && /[/:]$/.test(piece)
        ? [span, document.createElement('wbr')]
        : [span];
    });
}

function showEnroll(status: EnrollmentStatus): void {
  userName = status.userName;
  const account = status.accountAlias
    ? `${status.accountAlias} (${status.accountId})`
    : status.accountId;
  say($('intro-text'), 'intro.body', { user: status.userName, account });
  expiresAt = status.invitationExpiresAt;
  say($('expiry-text'), 'intro.expires', { time: formatMoment(currentLang(), expiresAt) });
  show('enroll');
}

function renderDevice(d: NewDevice): void {
  device = d;
  const svg = new DOMParser().parseFromString(d.qrSvg, 'image/svg+xml').documentElement;
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  $('qr').replaceChildren(document.importNode(svg, true));
  $('secret').textContent = d.secret.replace(/(.{4})(?=.)/g, '$1 ');
  // On a phone the QR code cannot be scanned by the phone itself: the app can open the key.
  $<HTMLAnchorElement>('open-app').href = d.otpauthUri;
  $('step-scan').hidden = false;
  $('step-codes').hidden = false;
  const heading = $('step-scan').querySelector<HTMLElement>('h2');
  heading?.setAttribute('tabindex', '-1');
  heading?.focus({ preventScroll: true });
  // Bring the QR code into view (on a phone it is below the fold when the button is pressed).
  $('step-scan').scrollIntoView({ block: 'start' });
}

// ---- actions ---------------------------------------------------------------------------

async function createDevice(): Promise<void> {
  const button = $<HTMLButtonElement>('show-qr');
  button.disabled = true;
  clear($('enroll-error'));
  try {
    renderDevice(await api<NewDevice>('POST', '/api/enrollment/device'));
    button.hidden = true;
  } catch (error) {
    const e = error as ApiError;
    if (e.status === 401) return showInvalid();
    say($('enroll-error'), errorMessage(e));
  } finally {
    button.disabled = false;
  }
}

async function submitCodes(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const form = event.target as HTMLFormElement;
  const submit = $<HTMLButtonElement>('submit-codes');
  if (submit.disabled || !device) return;
  const errorEl = $('codes-error');
  const code1 = $<HTMLInputElement>('code1').value.replace(/\s/g, '');
  const code2 = $<HTMLInputElement>('code2').value.replace(/\s/g, '');
  if (!/^\d{6}$/.test(code1) || !/^\d{6}$/.test(code2)) {
    say(errorEl, 'codes.format');
    $(/^\d{6}$/.test(code1) ? 'code2' : 'code1').focus();
    return;
  }
  if (code1 === code2) {
    say(errorEl, 'codes.same');
    $('code2').focus();
    return;
  }
  clear(errorEl);
  submit.disabled = true;
  say(submit, 'codes.working');
  try {
    showDone(
      await api<Enrolled>('POST', '/api/enrollment/activate', {
        serialNumber: device.serialNumber,
        code1,
        code2,
      }),
    );
  } catch (error) {
    const e = error as ApiError;
    if (e.status === 401) return showInvalid('invalid.used');
    say(errorEl, errorMessage(e), { n: e.attemptsRemaining ?? 0 });
    form.reset();
    $('code1').focus({ preventScroll: true });
    // The message pushes the button down: keep the fields, the message and the button in view
    // (on a phone the form fits the screen; focusing alone would show only the first field),
    // and the button above all (if the form ever outgrows the screen).
    form.scrollIntoView({ block: 'nearest' });
    submit.scrollIntoView({ block: 'nearest' });
  } finally {
    submit.disabled = false;
    say(submit, 'codes.submit');
  }
}

/** Copies text and says so in the status next to the button. */
function copy(text: string, status: HTMLElement): void {
  navigator.clipboard
    .writeText(text)
    .then(() => say(status, 'scan.copied'))
    .catch(() => clear(status));
}

/** Already enrolled (maybe the group step failed earlier): finish the remaining steps. */
async function finish(status: EnrollmentStatus): Promise<void> {
  userName = status.userName;
  say($('loading'), 'done.finishing');
  const serialNumber = status.mfaDevices[0]?.serialNumber ?? '';
  try {
    showDone(await api<Enrolled>('POST', '/api/enrollment/activate', { serialNumber }));
  } catch (error) {
    const e = error as ApiError;
    if (e.status === 401) return showInvalid('invalid.used');
    showInvalid(errorMessage(e));
  }
}

async function start(): Promise<void> {
  applyLang(preferredLang(navigator.languages, localStorage.getItem(LANG_KEY)));
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-lang]')) {
    button.addEventListener('click', () => {
      const lang = button.dataset.lang === 'ja' ? 'ja' : 'en';
      localStorage.setItem(LANG_KEY, lang);
      applyLang(lang);
    });
  }
  $('show-qr').addEventListener('click', () => void createDevice());
  $<HTMLFormElement>('codes-form').addEventListener('submit', (e) => void submitCodes(e));
  $('copy-secret').addEventListener('click', () => {
    if (device) copy(device.secret, $('copy-status'));
  });
  // The success screen's copy buttons: each copies the text of the element it names.
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-copy]')) {
    button.addEventListener('click', () => {
      const status = button.nextElementSibling as HTMLElement;
      copy($(button.dataset.copy ?? '').textContent ?? '', status);
    });
  }
  for (const id of ['code1', 'code2']) {
    $(id).addEventListener('input', (e) => {
      // Digits only: a pasted "123 456" (as some apps show codes) becomes "123456".
      const input = e.target as HTMLInputElement;
      const digits = input.value.replace(/\D/g, '').slice(0, 6);
      if (digits !== input.value) input.value = digits;
      if (id === 'code1' && digits.length === 6) $('code2').focus();
    });
  }

  const fragment = decodeURIComponent(location.hash.slice(1));
  if (fragment) {
    sessionStorage.setItem(TOKEN_KEY, fragment);
    history.replaceState(null, '', location.pathname + location.search);
  }
  token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return showInvalid();

  try {
    const status = await api<EnrollmentStatus>('GET', '/api/enrollment');
    if (status.status === 'enrolled') return finish(status);
    showEnroll(status);
  } catch (error) {
    const e = error as ApiError;
    if (e.status === 401) return showInvalid();
    showInvalid(errorMessage(e));
  }
}

void start();
