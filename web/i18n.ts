// The page's text in Japanese and English. Static text is marked with data-i18n in the HTML;
// dynamic text uses t(key, values). Japanese follows the wording of AWS's own Japanese docs
// (多要素認証, 仮想MFAデバイス, 認証アプリ, サインイン, デフォルト), in です/ます throughout, and
// calls the invitation リンク everywhere. A count is held to its counter word by no-break
// spaces (\u00a0), so a phone never shows 「残り 9」 and 「回」 on two lines.

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
  'done.serial': 'The ARN of your MFA device:',
  'done.copyUrl': 'Copy the sign-in URL',
  'done.copyCommand': 'Copy the command',
  'done.copySerial': 'Copy the MFA device ARN',
  'done.finishing': 'Finishing the setup…',
  'done.rolesTitle': 'Switch to your roles',
  'done.rolesBody':
    'Your administrator lets you work in these roles. Each requires MFA, so sign in with MFA first.',
  'done.rolesConsoleTitle': 'In the AWS console',
  'done.rolesConsoleBody':
    "After you sign in, open a role's link and choose Switch Role. The console then lists the role in your account menu.",
  'done.rolesCliTitle': 'With the AWS CLI and SDKs',
  'done.rolesCliBody':
    "Add this to the file ~/.aws/config (on Windows, %UserProfile%\\.aws\\config). Put your access keys in the first profile with the command in its comment line. Then add --profile and a role's profile name to a command: the CLI asks for your MFA code and reuses the session until it expires.",
  'done.roleProfile': 'CLI profile: {profile}',
  'done.copyConfig': 'Copy the configuration',
};

type Key = keyof typeof en;

const ja: Record<Key, string> = {
  brand: 'AWS 多要素認証 (MFA) の設定',
  loading: '読み込み中…',
  'invalid.title': 'このリンクは使用できません',
  'invalid.body':
    '有効期限が切れているか、すでに使用されているか、新しいリンクに置き換えられている可能性があります。リンクを送った担当者に、新しいリンクを依頼してください。',
  'invalid.used':
    'このリンクはすでに使用されています。設定を完了したばかりの場合は、MFA デバイスは有効になっています。その MFA デバイスを使って AWS マネジメントコンソールにサインインしてください。',
  'intro.title': '多要素認証 (MFA) を設定する',
  'intro.body':
    'AWS アカウント {account} の IAM ユーザー {user} に、仮想 MFA デバイスを設定します。',
  'intro.expires': 'このリンクの有効期限は {time} です。',
  'app.title': '認証アプリをインストールする',
  'app.body':
    'スマートフォンに、次のいずれかの認証アプリをインストールしてください。インストール済みの場合は、そのまま次に進んでください。',
  'app.next': 'QR コードを表示する',
  'scan.title': 'QR コードを読み取る',
  'scan.body': '認証アプリでアカウントを追加し、この QR コードを読み取ってください。',
  'scan.qrLabel': '新しい仮想 MFA デバイスの QR コード',
  'scan.openApp': 'このスマートフォンの認証アプリで開く',
  'scan.manual': 'QR コードを読み取れない場合は、シークレットキーを入力してください',
  'scan.manualBody':
    '認証アプリで「セットアップキーを入力」を選び、キーの種類に「時間ベース」を選んでから、次のキーを入力してください。',
  'scan.copy': 'コピー',
  'scan.copied': 'コピーしました',
  'codes.title': '連続する 2 つの MFA コードを入力する',
  'codes.body':
    '認証アプリに表示されている MFA コードを入力してください。コードが切り替わるまで (最大 30 秒) 待ってから、次のコードを入力してください。',
  'codes.code1': 'MFA コード 1',
  'codes.code2': 'MFA コード 2 (切り替わった後のコード)',
  'codes.submit': 'MFA を有効にする',
  'codes.working': '有効にしています…',
  'codes.format': 'MFA コードは、それぞれ 6 桁の数字で入力してください。',
  'codes.same':
    '2 つの MFA コードが同じです。認証アプリのコードが切り替わるまで待ってから、新しいコードを入力してください。',
  'codes.invalid':
    'MFA コードが正しくありません。新しいコードが表示されるまで待ってから、連続する 2 つのコードを入力してください (残り\u00a0{n}\u00a0回)。',
  'codes.locked': '誤った MFA コードの入力が上限に達しました。新しいリンクを依頼してください。',
  'error.already': 'MFA デバイスはすでに設定されています。これ以上の操作は必要ありません。',
  'error.restart':
    'この画面での設定は、別のタブなどで始めた新しい設定に置き換えられています。ページを再読み込みしてから、設定を続けてください。',
  'error.busy': 'AWS が混み合っています。数秒待ってから、もう一度お試しください。',
  'error.network':
    'サーバーに接続できませんでした。ネットワーク接続を確認してから、もう一度お試しください。',
  'error.userGone': 'この IAM ユーザーは削除されています。管理者にお問い合わせください。',
  'error.askAdmin':
    'このリンクでは MFA デバイスを設定できません。管理者に新しいリンクを依頼してください。',
  'error.generic': '問題が発生しました。ページを再読み込みしてから、もう一度お試しください。',
  'done.title': 'MFA の設定が完了しました',
  'done.body': 'IAM ユーザー {user} の仮想 MFA デバイスが有効になりました。',
  'done.consoleTitle': 'AWS マネジメントコンソールにサインインする',
  'done.signOut':
    'AWS マネジメントコンソールにサインインしている場合は、いったんサインアウトしてから、もう一度サインインしてください。MFA を使ってサインインするまでは、MFA デバイスの管理以外の操作はできません。',
  'done.consoleLink': '次の URL からサインインしてください。',
  'done.consoleCode':
    'パスワードを入力した後に、認証アプリに表示されている MFA コードを入力してください。',
  'done.cliTitle': 'AWS CLI で MFA を使用する',
  'done.cliBody':
    'MFA を使用するまでは、アクセスキーだけを使った操作は拒否されます。認証アプリに表示されている現在の MFA コードを使って、次のコマンドで一時的な認証情報を取得してください。',
  'done.cliAfter':
    '返された AccessKeyId、SecretAccessKey、SessionToken を、環境変数 AWS_ACCESS_KEY_ID、AWS_SECRET_ACCESS_KEY、AWS_SESSION_TOKEN などに設定して使用してください。セッションの有効期間は、デフォルトで 12 時間です。',
  'done.serial': 'MFA デバイスの ARN:',
  'done.copyUrl': 'サインイン URL をコピー',
  'done.copyCommand': 'コマンドをコピー',
  'done.copySerial': 'MFA デバイスの ARN をコピー',
  'done.finishing': '設定を完了しています…',
  'done.rolesTitle': 'ロールの切り替え',
  'done.rolesBody':
    '管理者が許可している次のロールに切り替えて作業できます。どのロールも MFA が必要なため、先に MFA を使ってサインインしてください。',
  'done.rolesConsoleTitle': 'AWS マネジメントコンソールで切り替える',
  'done.rolesConsoleBody':
    'サインインした後にロールのリンクを開き、［ロールの切り替え］を選択してください。以後、そのロールはアカウントメニューに表示されます。',
  'done.rolesCliTitle': 'AWS CLI と SDK で切り替える',
  'done.rolesCliBody':
    '次の内容をファイル ~/.aws/config (Windows では %UserProfile%\\.aws\\config) に追加してください。アクセスキーは、コメント行にあるコマンドで最初のプロファイルに設定します。コマンドに --profile とロールのプロファイル名を付けて実行すると、AWS CLI が MFA コードを尋ね、セッションの有効期間中はそのセッションを再利用します。',
  'done.roleProfile': 'CLI プロファイル: {profile}',
  'done.copyConfig': '設定をコピー',
};

export type MessageKey = Key;
export type { Lang };
export { preferredLang };
export const { currentLang, setLang, t, isMessageKey } = translator(en, ja);
