// The page's text in Japanese and English. Static text is marked with data-i18n in the HTML;
// dynamic text uses t(key, values). Japanese follows the wording of AWS's own Japanese docs
// (多要素認証, 仮想MFAデバイス, 認証アプリ).

import { type Lang, preferredLang, translator } from './lang.ts';

const en = {
  brand: 'AWS MFA setup',
  loading: 'Loading…',
  'invalid.title': "This link can't be used",
  'invalid.body':
    'It may have expired, been used already, or been replaced by a newer link. Ask the person who sent it for a new one.',
  'invalid.used':
    'This link has been used. If you just finished the setup, your MFA device is ready: sign in to the AWS console with it.',
  'intro.title': 'Set up multi-factor authentication (MFA)',
  'intro.body': 'You are setting up MFA for the IAM user {user} in the AWS account {account}.',
  'intro.expires': 'This link works until {time}.',
  'app.title': 'Install an authenticator app',
  'app.body': "Install one of these apps on your phone, if you don't have one yet:",
  'app.next': 'I have an app — show the QR code',
  'scan.title': 'Scan the QR code',
  'scan.body': 'In the app, add an account and scan this code.',
  'scan.qrLabel': 'QR code for your new MFA device',
  'scan.openApp': 'On this phone? Open it in the authenticator app',
  'scan.manual': "Can't scan? Type this key instead",
  'scan.manualBody': 'Choose “enter a setup key” in the app, choose time-based, and type:',
  'scan.copy': 'Copy',
  'scan.copied': 'Copied',
  'codes.title': 'Enter two consecutive codes',
  'codes.body':
    'Type the code the app shows, wait for it to change (up to 30 seconds), then type the new code.',
  'codes.code1': 'First code',
  'codes.code2': 'Second code (after it changes)',
  'codes.submit': 'Enable MFA',
  'codes.working': 'Enabling…',
  'codes.format': 'Each code is six digits.',
  'codes.same': 'The two codes must be different: wait for the code in the app to change.',
  'codes.invalid':
    'Those codes were not accepted. Wait for a new code, then enter two consecutive codes. Attempts left: {n}.',
  'codes.locked': 'Too many incorrect codes. Ask for a new onboarding link.',
  'error.already': 'You already have an MFA device. There is nothing more to set up.',
  'error.restart':
    'The setup was restarted elsewhere (another tab or a reload). Reload this page to continue.',
  'error.busy': 'AWS is busy. Wait a few seconds and try again.',
  'error.network': 'Could not reach the server. Check your connection and try again.',
  'error.userGone': 'Your IAM user no longer exists. Contact your administrator.',
  'error.askAdmin':
    'This link cannot set up a device for your IAM user. Ask your administrator for a new onboarding link.',
  'error.generic': 'Something went wrong. Reload the page and try again.',
  'done.title': 'MFA is set up',
  'done.body': 'Your MFA device is enabled for {user}.',
  'done.consoleTitle': 'Sign in to the AWS console',
  'done.signOut':
    'Sign out of the AWS console if you are signed in, then sign in again: until you sign in with MFA, you can do nothing but manage your MFA device.',
  'done.consoleLink': 'Sign-in page:',
  'done.consoleCode': 'After your password, type the code from your authenticator app.',
  'done.cliTitle': 'Use the AWS CLI with MFA',
  'done.cliBody':
    'Access keys alone are refused until you use MFA. Get a temporary session with a current code from the app:',
  'done.cliAfter':
    'Then use the AccessKeyId, SecretAccessKey and SessionToken it returns (for example as AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN). The session lasts 12 hours by default.',
  'done.serial': 'Your MFA device:',
  'done.finishing': 'Finishing the setup…',
};

type Key = keyof typeof en;

const ja: Record<Key, string> = {
  brand: 'AWS 多要素認証 (MFA) の設定',
  loading: '読み込み中…',
  'invalid.title': 'このリンクは使用できません',
  'invalid.body':
    '有効期限が切れたか、すでに使用されたか、新しいリンクに置き換えられた可能性があります。送信者に新しいリンクを依頼してください。',
  'invalid.used':
    'このリンクは使用済みです。設定を完了したばかりであれば MFA デバイスは有効になっています。AWS マネジメントコンソールにサインインしてください。',
  'intro.title': '多要素認証 (MFA) を設定します',
  'intro.body': 'AWS アカウント {account} の IAM ユーザー {user} に MFA を設定します。',
  'intro.expires': 'このリンクの有効期限: {time}',
  'app.title': '認証アプリをインストールする',
  'app.body':
    'スマートフォンに次のいずれかの認証アプリをインストールしてください (インストール済みなら不要です)。',
  'app.next': 'アプリを用意しました — QR コードを表示',
  'scan.title': 'QR コードを読み取る',
  'scan.body': 'アプリでアカウントを追加し、この QR コードを読み取ってください。',
  'scan.qrLabel': '新しい仮想 MFA デバイスの QR コード',
  'scan.openApp': 'このスマートフォンで設定する場合: 認証アプリで開く',
  'scan.manual': '読み取れない場合はキーを入力してください',
  'scan.manualBody':
    'アプリで「セットアップキーを入力」を選び、時間ベースを選んで次のキーを入力します。',
  'scan.copy': 'コピー',
  'scan.copied': 'コピーしました',
  'codes.title': '連続する 2 つのコードを入力する',
  'codes.body':
    'アプリに表示されたコードを入力し、コードが切り替わるのを待ってから (最大 30 秒)、新しいコードを入力してください。',
  'codes.code1': 'MFA コード 1',
  'codes.code2': 'MFA コード 2 (切り替わった後のコード)',
  'codes.submit': 'MFA を有効にする',
  'codes.working': '有効にしています…',
  'codes.format': 'コードはそれぞれ 6 桁の数字です。',
  'codes.same':
    '2 つのコードは異なる必要があります。アプリのコードが切り替わるまでお待ちください。',
  'codes.invalid':
    'コードが受け付けられませんでした。新しいコードが表示されるのを待ち、連続する 2 つのコードを入力してください。残り回数: {n}',
  'codes.locked':
    '誤ったコードの入力が多すぎます。新しいオンボーディングリンクを依頼してください。',
  'error.already': 'すでに MFA デバイスが設定されています。これ以上の設定は不要です。',
  'error.restart':
    '別のタブまたは再読み込みで設定がやり直されました。このページを再読み込みして続けてください。',
  'error.busy': 'AWS が混み合っています。数秒待ってからもう一度お試しください。',
  'error.network': 'サーバーに接続できませんでした。接続を確認してもう一度お試しください。',
  'error.userGone': 'IAM ユーザーが存在しません。管理者に連絡してください。',
  'error.askAdmin':
    'このリンクでは MFA デバイスを設定できません。管理者に新しいオンボーディングリンクを依頼してください。',
  'error.generic': '問題が発生しました。ページを再読み込みしてもう一度お試しください。',
  'done.title': 'MFA の設定が完了しました',
  'done.body': '{user} の MFA デバイスが有効になりました。',
  'done.consoleTitle': 'AWS マネジメントコンソールにサインインする',
  'done.signOut':
    'サインイン中の場合はいったんサインアウトし、もう一度サインインしてください。MFA でサインインするまでは、MFA デバイスの管理以外の操作はできません。',
  'done.consoleLink': 'サインインページ:',
  'done.consoleCode': 'パスワードの後に、認証アプリに表示された MFA コードを入力します。',
  'done.cliTitle': 'AWS CLI を MFA で使う',
  'done.cliBody':
    'MFA を使うまではアクセスキーだけの操作は拒否されます。認証アプリの現在のコードを使って一時的なセッションを取得してください。',
  'done.cliAfter':
    '返された AccessKeyId、SecretAccessKey、SessionToken を使います (例: AWS_ACCESS_KEY_ID、AWS_SECRET_ACCESS_KEY、AWS_SESSION_TOKEN に設定)。セッションの有効期間は既定で 12 時間です。',
  'done.serial': 'あなたの MFA デバイス:',
  'done.finishing': '設定を完了しています…',
};

export type MessageKey = Key;
export type { Lang };
export { preferredLang };
export const { currentLang, setLang, t, isMessageKey } = translator(en, ja);
