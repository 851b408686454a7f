// The admin console. Signs in with an API key (kept in sessionStorage only, sent as a bearer
// token, never in a URL, cookie or log), reads the live compliance report and its history, and
// drives the admin API: invite, revoke, exempt, enforce, reset MFA, one user or many; and finds
// one user by name, whatever their state, to act on them. Every shape is the admin API's own,
// imported from its schemas.

import type {
  BulkInvitationResponse,
  ComplianceReport,
  EnforcementResponse,
  EnrollmentState,
  Exemption,
  HistoryResponse,
  IssueInvitationResponse,
  MeResponse,
  UserStatus,
  UserWithoutMfa,
} from '../../functions/admin/schemas.ts';
import type { ErrorResponse } from '../../functions/schemas.ts';
import { formatMoment, localeFor, preferredLang } from '../lang.ts';
import { renderChart } from './chart.ts';
import { currentLang, isMessageKey, type MessageKey, setLang, t } from './i18n.ts';

const KEY_STORAGE = 'mfa-onboarding-admin-key';
const LANG_STORAGE = 'mfa-onboarding-lang';
/** Users per bulk request: small enough for a progress bar that moves, large enough to be quick. */
const BULK_CHUNK = 25;
const HISTORY_DAYS = 90;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

interface Session {
  key: string;
  me: MeResponse;
}

let session: Session | undefined;
let report: ComplianceReport | undefined;
let history: HistoryResponse | undefined;
/** The user found by name, as IAM had them at the last read. */
let found: UserStatus | undefined;
const selected = new Set<string>();

// ---- language ----------------------------------------------------------------------------

function applyLang(): void {
  document.documentElement.lang = currentLang();
  document.title = t('brand');
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = el.dataset.i18n ?? '';
    if (isMessageKey(key)) el.textContent = t(key);
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-lang]'))
    button.setAttribute('aria-pressed', String(button.dataset.lang === currentLang()));
  render();
}

function say(el: HTMLElement, key: MessageKey, values: Record<string, string | number> = {}) {
  el.textContent = t(key, values);
}

const dateTime = (iso: string | null | undefined) => (iso ? formatMoment(currentLang(), iso) : '—');
const day = (iso: string | null | undefined) =>
  iso ? new Date(iso).toLocaleDateString(localeFor(currentLang()), { dateStyle: 'medium' }) : '—';
const number = (n: number) => n.toLocaleString(localeFor(currentLang()));

// ---- the API -----------------------------------------------------------------------------

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  if (!session) throw new ApiError(401, 'unauthorized', 'Not signed in');
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: {
        Authorization: `Bearer ${session.key}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', t('error.network'));
  }
  if (res.status === 401) {
    signOut(t('error.signedOut'));
    throw new ApiError(401, 'unauthorized', t('error.signedOut'));
  }
  if (!res.ok) {
    const problem = (await res.json().catch(() => undefined)) as ErrorResponse | undefined;
    throw new ApiError(res.status, problem?.error.code ?? 'error', problem?.error.message ?? '');
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

const can = (scope: string) => session?.me.scopes.includes(scope) ?? false;
const userPath = (userName: string) => encodeURIComponent(userName);

/** A message for an API error a person can act on. */
function explain(error: unknown): string {
  if (!(error instanceof ApiError)) return t('error.generic');
  if (error.status === 0) return t('error.network');
  if (error.status === 503) return t('error.busy');
  if (error.status === 403) return t('error.forbidden');
  return error.message || t('error.generic');
}

function status(message: string): void {
  $('status').textContent = message;
}

// ---- signing in and out ------------------------------------------------------------------

async function signIn(key: string): Promise<void> {
  session = { key, me: { name: '', scopes: [] } };
  try {
    session.me = await api<MeResponse>('GET', '/v1/me');
  } catch (error) {
    session = undefined;
    throw error;
  }
  sessionStorage.setItem(KEY_STORAGE, key);
  show();
  await load();
}

function signOut(message = ''): void {
  session = undefined;
  report = undefined;
  history = undefined;
  found = undefined;
  ($('find-name') as HTMLInputElement).value = '';
  $('find-error').textContent = '';
  selected.clear();
  sessionStorage.removeItem(KEY_STORAGE);
  ($('api-key') as HTMLInputElement).value = '';
  $('sign-in-error').textContent = message;
  show();
}

function show(): void {
  const signedIn = session !== undefined;
  $('sign-in').hidden = signedIn;
  $('console').hidden = !signedIn;
  $('sign-out').hidden = !signedIn;
  $('key-name').textContent = signedIn ? t('signedInAs', { name: session?.me.name ?? '' }) : '';
  for (const el of document.querySelectorAll<HTMLElement>('[data-scope]'))
    el.hidden = !can(el.dataset.scope ?? '');
  if (!signedIn) ($('api-key') as HTMLInputElement).focus();
}

// ---- loading -----------------------------------------------------------------------------

/** Reads everything shown again: after every action, so the page shows IAM as it is now. */
async function load(): Promise<void> {
  await Promise.all([loadReport(), refreshFound()]);
}

async function loadReport(): Promise<void> {
  if (!can('compliance:read')) {
    $('no-report').hidden = false;
    render();
    return;
  }
  status(t('loading'));
  try {
    [report, history] = await Promise.all([
      api<ComplianceReport>('GET', '/v1/compliance/users-without-mfa'),
      api<HistoryResponse>('GET', `/v1/compliance/history?days=${HISTORY_DAYS}`),
    ]);
    status('');
  } catch (error) {
    status(explain(error));
  }
  render();
}

// ---- rendering ---------------------------------------------------------------------------

function render(): void {
  if (!session) return;
  renderFound();
  const ready = report !== undefined;
  $('dashboard').hidden = !ready;
  $('without').hidden = !ready;
  $('exempt').hidden = !ready;
  $('outside').hidden = !ready;
  if (!report) return;
  say($('generated'), 'generated', { time: dateTime(report.generatedAt) });
  renderFigures(report);
  if (history) {
    renderChart($('chart'), history.points, {
      users: t('chart.users'),
      withMfa: t('chart.withMfa'),
      label: t('chart.caption'),
    });
    const first = history.points[0];
    const last = history.points.at(-1);
    if (first && last)
      say($('chart-summary'), 'chart.summary', {
        from: day(first.date),
        fromShare: share(first.withMfa, first.users),
        to: day(last.date),
        toShare: share(last.withMfa, last.users),
      });
    $('chart-limits').textContent = history.limitations.join(' ');
  }
  renderUsers(report);
  renderExempt(report.exempt);
  renderOutside(report);
}

const share = (part: number, whole: number) =>
  whole === 0 ? '—' : `${Math.round((part / whole) * 100)}%`;

function renderFigures(r: ComplianceReport): void {
  const s = r.summary;
  const figures: [MessageKey, string][] = [
    ['fig.withoutMfa', number(s.withoutMfa)],
    ['fig.withoutMfaConsole', number(s.withoutMfaConsole)],
    ['fig.consoleShare', share(s.withoutMfaConsole, s.consoleUsers)],
    ['fig.withMfa', number(s.withMfa)],
    ['fig.totalUsers', number(s.totalUsers)],
    ['fig.pending', number(s.pendingInvitations)],
    ['fig.expired', number(s.expiredInvitations)],
    ['fig.exempt', number(s.exempt)],
    ['fig.outside', number(s.mfaOutsideForceMfaGroup)],
  ];
  const list = $('figures');
  list.replaceChildren(
    ...figures.map(([key, value]) => {
      const item = document.createElement('li');
      const figure = document.createElement('span');
      figure.className = 'figure';
      figure.textContent = value;
      const label = document.createElement('span');
      label.className = 'figure-label';
      label.textContent = t(key);
      item.append(figure, label);
      return item;
    }),
  );
}

function filteredUsers(r: ComplianceReport): UserWithoutMfa[] {
  const search = ($('f-search') as HTMLInputElement).value.trim().toLowerCase();
  const path = ($('f-path') as HTMLInputElement).value.trim();
  const consoleAccess = ($('f-console') as HTMLSelectElement).value;
  const created = ($('f-created') as HTMLInputElement).value;
  const invitation = ($('f-invitation') as HTMLSelectElement).value;
  const sort = ($('f-sort') as HTMLSelectElement).value;
  const rows = r.users.filter(
    (u) =>
      (!search || u.userName.toLowerCase().includes(search)) &&
      (!path || u.path.startsWith(path)) &&
      (!consoleAccess ||
        (consoleAccess === 'yes' ? u.consoleAccess !== false : u.consoleAccess === false)) &&
      (!created || u.createDate < `${created}T00:00:00Z`) &&
      (!invitation || (u.invitation?.state ?? 'none') === invitation),
  );
  const time = (iso: string | null) => (iso ? Date.parse(iso) : 0);
  const by: Record<string, (a: UserWithoutMfa, b: UserWithoutMfa) => number> = {
    'created-desc': (a, b) => time(b.createDate) - time(a.createDate),
    'created-asc': (a, b) => time(a.createDate) - time(b.createDate),
    'signin-desc': (a, b) => time(b.passwordLastUsed) - time(a.passwordLastUsed),
    'signin-asc': (a, b) => time(a.passwordLastUsed) - time(b.passwordLastUsed),
    name: (a, b) => a.userName.localeCompare(b.userName),
  };
  return rows.sort(by[sort] ?? by['created-desc']);
}

function button(key: MessageKey, onClick: () => void, kind = 'secondary', label?: string) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = kind;
  b.textContent = t(key);
  if (label) b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}

function cell(text: string, className = ''): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function renderUsers(r: ComplianceReport): void {
  const rows = filteredUsers(r);
  const shownNames = new Set(rows.map((u) => u.userName));
  for (const name of selected) if (!shownNames.has(name)) selected.delete(name);
  say($('shown'), 'without.shown', {
    shown: number(rows.length),
    total: number(r.users.length),
    selected: number(selected.size),
  });
  $('users-empty').hidden = rows.length > 0;
  $('users').replaceChildren(
    ...rows.map((u) => {
      const tr = document.createElement('tr');
      const pick = document.createElement('input');
      pick.type = 'checkbox';
      pick.checked = selected.has(u.userName);
      pick.setAttribute('aria-label', t('col.selectUser', { user: u.userName }));
      pick.addEventListener('change', () => {
        if (pick.checked) selected.add(u.userName);
        else selected.delete(u.userName);
        say($('shown'), 'without.shown', {
          shown: number(rows.length),
          total: number(r.users.length),
          selected: number(selected.size),
        });
      });
      const selectCell = document.createElement('td');
      selectCell.append(pick);
      const name = document.createElement('th');
      name.scope = 'row';
      const strong = document.createElement('span');
      strong.className = 'user-name';
      strong.textContent = u.userName;
      const where = document.createElement('span');
      where.className = 'muted small path';
      where.textContent = u.path;
      name.append(strong, where);
      const consoleText =
        u.consoleAccess === null
          ? t('console.unknown')
          : u.consoleAccess
            ? t('console.yes')
            : t('console.no');
      const inv = u.invitation
        ? t(u.invitation.state === 'pending' ? 'inv.pending' : 'inv.expired', {
            time: dateTime(u.invitation.expiresAt),
          })
        : t('inv.none');
      const actions = document.createElement('td');
      actions.className = 'row-actions';
      if (can('invitations:write')) {
        actions.append(
          button(
            u.invitation?.state === 'pending' ? 'action.reinvite' : 'action.invite',
            () => void invite(u.userName),
            'primary',
            `${t(u.invitation?.state === 'pending' ? 'action.reinvite' : 'action.invite')}: ${u.userName}`,
          ),
        );
        if (u.invitation?.state === 'pending')
          actions.append(
            button(
              'action.revoke',
              () => void revoke(u.userName),
              'secondary',
              `${t('action.revoke')}: ${u.userName}`,
            ),
          );
      }
      if (can('exemptions:write'))
        actions.append(
          button(
            'action.exempt',
            () => openExempt(u.userName),
            'secondary',
            `${t('action.exempt')}: ${u.userName}`,
          ),
        );
      if (can('enforcement:write') && !u.inForceMfaGroup)
        actions.append(
          button(
            'action.enforce',
            () => void enforce([u.userName]),
            'secondary',
            `${t('action.enforce')}: ${u.userName}`,
          ),
        );
      tr.append(
        selectCell,
        name,
        cell(day(u.createDate)),
        cell(dateTime(u.passwordLastUsed)),
        cell(consoleText),
        cell(inv),
        actions,
      );
      return tr;
    }),
  );
}

function renderExempt(list: Exemption[]): void {
  $('exempt-empty').hidden = list.length > 0;
  $('exempt-rows').replaceChildren(
    ...list.map((e) => {
      const tr = document.createElement('tr');
      const name = document.createElement('th');
      name.scope = 'row';
      name.textContent = e.userName;
      const actions = document.createElement('td');
      if (can('exemptions:write'))
        actions.append(
          button(
            'action.unexempt',
            () => void unexempt(e.userName),
            'secondary',
            `${t('action.unexempt')}: ${e.userName}`,
          ),
        );
      tr.append(
        name,
        cell(e.reason, 'reason'),
        cell(e.until ? dateTime(e.until) : t('until.none')),
        actions,
      );
      return tr;
    }),
  );
}

function renderOutside(r: ComplianceReport): void {
  const users = r.mfaOutsideForceMfaGroup;
  $('outside-empty').hidden = users.length > 0;
  $('outside-list').replaceChildren(
    ...users.map((u) => {
      const li = document.createElement('li');
      const name = document.createElement('span');
      name.className = 'user-name';
      name.textContent = u.userName;
      li.append(name);
      if (can('enforcement:write'))
        li.append(
          button(
            'action.enforce',
            () => void enforce([u.userName]),
            'secondary',
            `${t('action.enforce')}: ${u.userName}`,
          ),
        );
      if (can('mfa:reset'))
        li.append(
          button(
            'action.resetMfa',
            () => openReset(u.userName),
            'secondary',
            `${t('action.resetMfa')}: ${u.userName}`,
          ),
        );
      return li;
    }),
  );
}

// ---- finding one user --------------------------------------------------------------------

// Any user under the service's path, in any state: the help desk's way to a user who is in no
// list (enrolled and in the force-MFA group, say, and has lost their phone).

const STATE: Record<EnrollmentState, MessageKey> = {
  not_enrolled: 'state.not_enrolled',
  invited: 'state.invited',
  needs_group_step: 'state.needs_group_step',
  mfa_outside_group: 'state.mfa_outside_group',
  enrolled: 'state.enrolled',
};

/** The kind of an MFA device, read off its serial number as IAM forms it. */
function deviceKind(serialNumber: string): MessageKey {
  if (/^arn:[^:]+:iam::\d*:mfa\//.test(serialNumber)) return 'device.virtual';
  if (/^arn:[^:]+:iam::\d*:u2f\//.test(serialNumber)) return 'device.fido';
  // Hardware TOTP tokens are known by the serial printed on them, not by an ARN.
  return 'device.hardware';
}

const readUser = (userName: string) => api<UserStatus>('GET', `/v1/users/${userPath(userName)}`);

/** A message for a failed look-up: no such user, not a user name, or the API's own trouble. */
function lookupProblem(error: unknown, userName: string): string {
  if (error instanceof ApiError && error.status === 404)
    return t('find.notFound', { user: userName });
  if (error instanceof ApiError && error.status === 400) return t('find.invalid');
  return explain(error);
}

async function findUser(userName: string): Promise<void> {
  found = undefined;
  renderFound();
  if (!userName) return say($('find-error'), 'find.required');
  $('find-error').textContent = '';
  status(t('loading'));
  try {
    found = await readUser(userName);
    status('');
    renderFound();
    // To the result, so a screen reader reads it and a keyboard goes on from there.
    $('found-name').focus();
  } catch (error) {
    status('');
    $('find-error').textContent = lookupProblem(error, userName);
  }
}

async function refreshFound(): Promise<void> {
  if (!found) return;
  const { userName } = found;
  try {
    found = await readUser(userName);
  } catch (error) {
    // Deleted meanwhile: say so rather than show a user that is gone.
    found = undefined;
    $('find-error').textContent = lookupProblem(error, userName);
  }
  renderFound();
}

function renderFound(): void {
  $('find-result').hidden = found === undefined;
  if (!found) return;
  const u = found;
  $('found-name').textContent = u.userName;
  $('found-arn').textContent = u.arn;
  say($('found-state'), STATE[u.enrollment]);
  const devices = document.createElement('ul');
  devices.className = 'devices';
  devices.append(
    ...u.mfaDevices.map((d) => {
      const li = document.createElement('li');
      const kind = document.createElement('span');
      kind.textContent = t(deviceKind(d.serialNumber));
      const serial = document.createElement('code');
      serial.className = 'serial';
      serial.textContent = d.serialNumber;
      li.append(kind, ` (${t('found.enabled', { time: dateTime(d.enableDate) })}) `, serial);
      return li;
    }),
  );
  if (u.mfaDevices.length > 0) $('found-devices').replaceChildren(devices);
  else say($('found-devices'), 'found.none');
  say($('found-group'), u.inForceMfaGroup ? 'found.inGroup' : 'found.notInGroup');
  if (!u.exemption) say($('found-exemption'), 'found.notExempt');
  else if (u.exemption.until)
    say($('found-exemption'), 'found.exemptUntil', {
      time: dateTime(u.exemption.until),
      reason: u.exemption.reason,
    });
  else say($('found-exemption'), 'found.exemptOpen', { reason: u.exemption.reason });
  const inv = u.invitation;
  if (!inv) say($('found-invitation'), 'inv.none');
  else if (inv.state === 'locked') say($('found-invitation'), 'inv.locked');
  else
    say($('found-invitation'), inv.state === 'pending' ? 'inv.pending' : 'inv.expired', {
      time: dateTime(inv.expiresAt),
    });
  renderFoundActions(u);
}

/** The row actions of the lists, for the ones that fit the user's state and the key's scopes. */
function renderFoundActions(u: UserStatus): void {
  const actions: HTMLButtonElement[] = [];
  const act = (key: MessageKey, run: () => void, kind = 'secondary') =>
    actions.push(button(key, run, kind, `${t(key)}: ${u.userName}`));
  // An exempt user in the force-MFA group could do nothing: the API refuses the reset.
  if (can('mfa:reset') && u.mfaEnabled && !u.exemption)
    act('action.resetMfa', () => openReset(u.userName), 'primary');
  // A user with MFA gets no link, except to finish the group step of this service's enrollment.
  const pending = u.invitation?.state === 'pending';
  if (can('invitations:write') && (!u.mfaEnabled || u.enrollment === 'needs_group_step'))
    act(pending ? 'action.reinvite' : 'action.invite', () => void invite(u.userName), 'primary');
  if (can('invitations:write') && pending) act('action.revoke', () => void revoke(u.userName));
  if (can('enforcement:write') && !u.inForceMfaGroup && !u.exemption)
    act('action.enforce', () => void enforce([u.userName]));
  if (can('exemptions:write') && u.exemption)
    act('action.unexempt', () => void unexempt(u.userName));
  if (can('exemptions:write') && !u.exemption) act('action.exempt', () => openExempt(u.userName));
  $('found-actions').replaceChildren(...actions);
  const hint = $('found-hint');
  hint.hidden = !(can('mfa:reset') && u.mfaEnabled && u.exemption);
  say(hint, 'found.resetExempt');
}

// ---- actions -----------------------------------------------------------------------------

/**
 * With the box ticked, links go by email to the address in each user's tag and the console
 * never sees them; otherwise they are shown once, to be sent by hand.
 */
const delivery = () =>
  ($('deliver-email') as HTMLInputElement).checked ? { delivery: 'email' as const } : {};

async function invite(userName: string): Promise<void> {
  status(t('working'));
  try {
    const issued = await api<IssueInvitationResponse>('POST', '/v1/invitations', {
      userName,
      ...delivery(),
    });
    status('');
    if (!('delivered' in issued)) showLink(issued);
    await load();
    if ('delivered' in issued)
      status(t('done.emailed', { user: issued.userName, to: issued.delivered.to }));
  } catch (error) {
    status(`${userName}: ${explain(error)}`);
  }
}

function showLink(issued: { userName: string; url: string; expiresAt: string }): void {
  say($('link-for'), 'link.for', { user: issued.userName });
  $('link-url').textContent = issued.url;
  say($('link-expires'), 'link.expires', { time: dateTime(issued.expiresAt) });
  $('link-copied').textContent = '';
  ($('link-dialog') as HTMLDialogElement).showModal();
}

async function revoke(userName: string): Promise<void> {
  if (!confirm(t('confirm.revoke', { user: userName }))) return;
  try {
    await api('DELETE', `/v1/invitations/${userPath(userName)}`);
    await load();
    status(t('done.revoked', { user: userName }));
  } catch (error) {
    status(`${userName}: ${explain(error)}`);
  }
}

let exemptTarget = '';

function openExempt(userName: string): void {
  exemptTarget = userName;
  say($('exempt-for'), 'exemptForm.for', { user: userName });
  ($('exempt-reason') as HTMLTextAreaElement).value = '';
  ($('exempt-until') as HTMLInputElement).value = '';
  $('exempt-error').textContent = '';
  ($('exempt-dialog') as HTMLDialogElement).showModal();
}

async function submitExempt(): Promise<void> {
  const reason = ($('exempt-reason') as HTMLTextAreaElement).value.trim();
  const until = ($('exempt-until') as HTMLInputElement).value;
  if (!reason) {
    say($('exempt-error'), 'exemptForm.reasonRequired');
    return;
  }
  try {
    await api('PUT', `/v1/users/${userPath(exemptTarget)}/exemption`, {
      reason,
      // The end of the chosen day, in the admin's own time zone.
      ...(until
        ? { until: new Date(`${until}T23:59:59`).toISOString().replace(/\.\d+Z$/, 'Z') }
        : {}),
    });
    ($('exempt-dialog') as HTMLDialogElement).close();
    await load();
    status(t('done.exempted', { user: exemptTarget }));
  } catch (error) {
    $('exempt-error').textContent = explain(error);
  }
}

let resetTarget = '';

function openReset(userName: string): void {
  resetTarget = userName;
  say($('reset-for'), 'resetForm.for', { user: userName });
  ($('reset-reason') as HTMLTextAreaElement).value = '';
  $('reset-error').textContent = '';
  ($('reset-dialog') as HTMLDialogElement).showModal();
}

async function submitReset(): Promise<void> {
  const reason = ($('reset-reason') as HTMLTextAreaElement).value.trim();
  if (!reason) {
    say($('reset-error'), 'resetForm.reasonRequired');
    return;
  }
  try {
    const reset = await api<{
      userName: string;
      url: string;
      expiresAt: string;
      deactivated: string[];
    }>('POST', `/v1/users/${userPath(resetTarget)}/mfa-reset`, { reason });
    ($('reset-dialog') as HTMLDialogElement).close();
    await load();
    status(t('done.reset', { user: reset.userName, n: String(reset.deactivated.length) }));
    // The new link is shown once, as an invitation's is.
    showLink(reset);
  } catch (error) {
    $('reset-error').textContent = explain(error);
  }
}

async function unexempt(userName: string): Promise<void> {
  try {
    await api('DELETE', `/v1/users/${userPath(userName)}/exemption`);
    await load();
    status(t('done.unexempted', { user: userName }));
  } catch (error) {
    status(`${userName}: ${explain(error)}`);
  }
}

async function enforce(userNames: string[]): Promise<void> {
  if (userNames.length === 1) {
    try {
      const { results } = await api<EnforcementResponse>('POST', '/v1/force-mfa-group/members', {
        userNames,
      });
      const r = results[0];
      const message =
        r?.status === 200
          ? t('done.enforced', { user: userNames[0] ?? '' })
          : `${userNames[0]}: ${r?.error?.message ?? t('error.generic')}`;
      await load();
      status(message);
    } catch (error) {
      status(`${userNames[0]}: ${explain(error)}`);
    }
    return;
  }
  await bulk('enforce', userNames, async (chunk) => {
    const { results } = await api<EnforcementResponse>('POST', '/v1/force-mfa-group/members', {
      userNames: chunk,
    });
    return results.map((r) => ({
      userName: r.userName,
      ok: r.status === 200,
      message:
        r.status === 200
          ? t(r.outcome === 'already_member' ? 'result.alreadyMember' : 'result.added')
          : (r.error?.message ?? String(r.status)),
    }));
  });
}

interface BulkResult {
  userName: string;
  ok: boolean;
  message: string;
  url?: string;
  expiresAt?: string;
}

let issuedLinks: BulkResult[] = [];

/** Runs a bulk action in chunks, so the progress bar moves and no request nears the 30 s limit. */
async function bulk(
  kind: 'invite' | 'enforce',
  userNames: string[],
  run: (chunk: string[]) => Promise<BulkResult[]>,
): Promise<void> {
  const progress = $('progress') as HTMLProgressElement;
  const results: BulkResult[] = [];
  $('progress-box').hidden = false;
  $('download-links').hidden = true;
  progress.max = userNames.length;
  progress.value = 0;
  const label = () =>
    say($('progress-label'), kind === 'invite' ? 'bulk.inviting' : 'bulk.enforcing', {
      done: number(results.length),
      total: number(userNames.length),
    });
  label();
  for (let i = 0; i < userNames.length; i += BULK_CHUNK) {
    const chunk = userNames.slice(i, i + BULK_CHUNK);
    try {
      results.push(...(await run(chunk)));
    } catch (error) {
      results.push(...chunk.map((userName) => ({ userName, ok: false, message: explain(error) })));
    }
    progress.value = results.length;
    label();
  }
  const ok = results.filter((r) => r.ok).length;
  say($('results-summary'), 'bulk.summary', {
    ok: number(ok),
    failed: number(results.length - ok),
  });
  $('results').replaceChildren(
    ...results.map((r) => {
      const li = document.createElement('li');
      li.className = r.ok ? 'ok' : 'failed';
      li.textContent = `${r.userName}: ${r.message}`;
      return li;
    }),
  );
  ($('results-box') as HTMLDetailsElement).open = results.length - ok > 0;
  if (kind === 'invite') {
    issuedLinks = results.filter((r) => r.url);
    $('download-links').hidden = issuedLinks.length === 0;
  }
  selected.clear();
  await load();
  status(t('bulk.done', { ok: number(ok), total: number(results.length) }));
}

async function bulkInvite(): Promise<void> {
  const userNames = [...selected];
  if (userNames.length === 0) return status(t('bulk.noneSelected'));
  const question = 'delivery' in delivery() ? 'confirm.bulkEmail' : 'confirm.bulkInvite';
  if (!confirm(t(question, { n: number(userNames.length) }))) return;
  await bulk('invite', userNames, async (chunk) => {
    const { results } = await api<BulkInvitationResponse>('POST', '/v1/invitations/bulk', {
      userNames: chunk,
      ...delivery(),
    });
    return results.map((r) => ({
      userName: r.userName,
      ok: r.status === 201,
      message:
        r.status !== 201
          ? (r.error?.message ?? String(r.status))
          : r.delivered
            ? t('result.emailed', { to: r.delivered.to, time: dateTime(r.expiresAt) })
            : t('result.invited', { time: dateTime(r.expiresAt) }),
      url: r.url,
      expiresAt: r.expiresAt,
    }));
  });
}

async function bulkEnforce(): Promise<void> {
  const userNames = [...selected];
  if (userNames.length === 0) return status(t('bulk.noneSelected'));
  if (!confirm(t('confirm.bulkEnforce', { n: number(userNames.length) }))) return;
  await enforce(userNames);
}

// ---- downloads ---------------------------------------------------------------------------

function download(name: string, type: string, body: string): void {
  const url = URL.createObjectURL(new Blob([body], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const csvCell = (value: string) =>
  /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

function downloadLinks(): void {
  const lines = [
    'userName,url,expiresAt',
    ...issuedLinks.map((r) => [r.userName, r.url ?? '', r.expiresAt ?? ''].map(csvCell).join(',')),
  ];
  download(
    `onboarding-links-${new Date().toISOString().slice(0, 10)}.csv`,
    'text/csv',
    `${lines.join('\r\n')}\r\n`,
  );
}

async function downloadReport(): Promise<void> {
  if (!session) return;
  try {
    const res = await fetch('/v1/compliance/users-without-mfa?format=csv', {
      headers: { Authorization: `Bearer ${session.key}` },
      cache: 'no-store',
    });
    if (!res.ok) throw new ApiError(res.status, 'error', '');
    download(
      `users-without-mfa-${new Date().toISOString().slice(0, 10)}.csv`,
      'text/csv',
      await res.text(),
    );
  } catch (error) {
    status(explain(error));
  }
}

// ---- wiring ------------------------------------------------------------------------------

function wire(): void {
  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = ($('api-key') as HTMLInputElement).value.trim();
    if (!key) return say($('sign-in-error'), 'signIn.required');
    $('sign-in-error').textContent = '';
    signIn(key).catch((error: unknown) => {
      $('sign-in-error').textContent =
        error instanceof ApiError && error.status === 401 ? t('signIn.rejected') : explain(error);
    });
  });
  $('sign-out').addEventListener('click', () => signOut());
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-lang]')) {
    button.addEventListener('click', () => {
      setLang(button.dataset.lang === 'ja' ? 'ja' : 'en');
      localStorage.setItem(LANG_STORAGE, currentLang());
      applyLang();
      show();
    });
  }
  for (const id of ['f-search', 'f-path', 'f-console', 'f-created', 'f-invitation', 'f-sort'])
    $(id).addEventListener('input', () => report && renderUsers(report));
  $('filters').addEventListener('submit', (event) => event.preventDefault());
  $('select-all').addEventListener('click', () => {
    if (!report) return;
    for (const u of filteredUsers(report)) selected.add(u.userName);
    renderUsers(report);
  });
  $('find-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void findUser(($('find-name') as HTMLInputElement).value.trim());
  });
  $('bulk-invite').addEventListener('click', () => void bulkInvite());
  $('bulk-enforce').addEventListener('click', () => void bulkEnforce());
  $('download-report').addEventListener('click', () => void downloadReport());
  $('download-links').addEventListener('click', downloadLinks);
  $('refresh').addEventListener('click', () => void load());
  $('link-copy').addEventListener('click', () => {
    navigator.clipboard
      .writeText($('link-url').textContent ?? '')
      .then(() => say($('link-copied'), 'copied'))
      .catch(() => say($('link-copied'), 'copyFailed'));
  });
  $('link-close').addEventListener('click', () => {
    // The link is shown once: gone from the page when the dialog closes.
    $('link-url').textContent = '';
    ($('link-dialog') as HTMLDialogElement).close();
  });
  $('link-dialog').addEventListener('close', () => {
    $('link-url').textContent = '';
  });
  $('exempt-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void submitExempt();
  });
  $('exempt-cancel').addEventListener('click', () =>
    ($('exempt-dialog') as HTMLDialogElement).close(),
  );
  $('reset-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void submitReset();
  });
  $('reset-cancel').addEventListener('click', () =>
    ($('reset-dialog') as HTMLDialogElement).close(),
  );
}

function start(): void {
  setLang(preferredLang(navigator.languages, localStorage.getItem(LANG_STORAGE)));
  wire();
  applyLang();
  const stored = sessionStorage.getItem(KEY_STORAGE);
  show();
  if (stored)
    signIn(stored).catch((error: unknown) => {
      signOut(
        error instanceof ApiError && error.status === 401 ? t('signIn.rejected') : explain(error),
      );
    });
}

start();
