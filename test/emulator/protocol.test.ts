// The AWS Query protocol on the wire, without an SDK: what a raw HTTP client sends and gets
// back (docs/iam-facts.md §1). The SDK-level behaviour is covered by the other emulator tests.

import { describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator.ts';

const emu = useEmulator();

const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

async function post(body: string, path = '/') {
  const res = await fetch(`${emu.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { res, text: await res.text() };
}

const requestIdIn = (xml: string) => /<RequestId>([^<]+)<\/RequestId>/.exec(xml)?.[1];

describe('a successful response', () => {
  it('is text/xml with an x-amzn-RequestId header equal to the <RequestId> in the body', async () => {
    const { res, text } = await post('Action=ListUsers&Version=2010-05-08');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml');
    const header = res.headers.get('x-amzn-RequestId');
    expect(header).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(requestIdIn(text)).toBe(header);
  });

  it('wraps the output in <XResponse xmlns=…><XResult>, then ResponseMetadata', async () => {
    const { text } = await post('Action=ListUsers&Version=2010-05-08');
    expect(text).toBe(
      `<ListUsersResponse xmlns="${IAM_NS}">` +
        '<ListUsersResult><Users/><IsTruncated>false</IsTruncated></ListUsersResult>' +
        `<ResponseMetadata><RequestId>${requestIdIn(text)}</RequestId></ResponseMetadata>` +
        '</ListUsersResponse>',
    );
  });

  it('has no XResult element for an operation without output', async () => {
    await post('Action=CreateUser&Version=2010-05-08&UserName=short-lived');
    const { res, text } = await post('Action=DeleteUser&Version=2010-05-08&UserName=short-lived');
    expect(res.status).toBe(200);
    expect(text).toBe(
      `<DeleteUserResponse xmlns="${IAM_NS}">` +
        `<ResponseMetadata><RequestId>${requestIdIn(text)}</RequestId></ResponseMetadata>` +
        '</DeleteUserResponse>',
    );
  });

  it('puts list items in <member> elements and leaves Marker out of the last page', async () => {
    await post('Action=CreateUser&Version=2010-05-08&UserName=a');
    await post('Action=CreateUser&Version=2010-05-08&UserName=b');
    const first = await post('Action=ListUsers&Version=2010-05-08&MaxItems=1');
    expect(first.text).toMatch(
      /<Users><member><Path>\/<\/Path><UserName>a<\/UserName>.*<\/member><\/Users>/,
    );
    expect(first.text).toContain('<IsTruncated>true</IsTruncated><Marker>');
    const marker = /<Marker>([^<]+)<\/Marker>/.exec(first.text)?.[1] ?? '';
    const last = await post(
      `Action=ListUsers&Version=2010-05-08&MaxItems=1&Marker=${encodeURIComponent(marker)}`,
    );
    expect(last.text).toContain('<UserName>b</UserName>');
    expect(last.text).toContain('<IsTruncated>false</IsTruncated></ListUsersResult>');
    expect(last.text).not.toContain('<Marker>');
  });

  it('is the same whatever the request path (the SDK appends / to a custom endpoint)', async () => {
    const { res, text } = await post('Action=ListUsers&Version=2010-05-08', '/iam-prefix/');
    expect(res.status).toBe(200);
    expect(text).toContain('<ListUsersResult>');
  });
});

describe('an error response', () => {
  it('for an unknown Action is 400 InvalidAction in the ErrorResponse envelope, Type Sender', async () => {
    const { res, text } = await post('Action=Foo&Version=2010-05-08');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('text/xml');
    expect(res.headers.get('x-amzn-RequestId')).toBe(requestIdIn(text));
    expect(text).toBe(
      `<ErrorResponse xmlns="${IAM_NS}">` +
        '<Error><Type>Sender</Type><Code>InvalidAction</Code>' +
        '<Message>Could not find operation Foo for version 2010-05-08</Message></Error>' +
        `<RequestId>${requestIdIn(text)}</RequestId>` +
        '</ErrorResponse>',
    );
  });

  it('for a missing Action is 400', async () => {
    const { res, text } = await post('Version=2010-05-08&UserName=x');
    expect(res.status).toBe(400);
    expect(text).toMatch(
      new RegExp(`^<ErrorResponse xmlns="${IAM_NS}"><Error><Type>Sender</Type><Code>`),
    );
  });

  it('for an IAM action sent with the STS version is InvalidAction', async () => {
    const { res, text } = await post('Action=ListUsers&Version=2011-06-15');
    expect(res.status).toBe(400);
    expect(text).toContain(
      '<Message>Could not find operation ListUsers for version 2011-06-15</Message>',
    );
  });

  it('carries the status of the modeled error: NoSuchEntity is 404 with its message', async () => {
    const { res, text } = await post('Action=GetUser&Version=2010-05-08&UserName=nobody');
    expect(res.status).toBe(404);
    expect(text).toContain(
      '<Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The user with name nobody cannot be found.</Message></Error>',
    );
  });

  it('has Type Receiver for a service fault (5xx)', async () => {
    await emu.control('PUT', '/faults', { failureRate: 1 });
    const { res, text } = await post('Action=ListUsers&Version=2010-05-08');
    expect(res.status).toBe(500);
    expect(text).toContain('<Error><Type>Receiver</Type><Code>ServiceFailure</Code>');
  });

  it('escapes what it echoes back', async () => {
    const { text } = await post(`Action=${encodeURIComponent('<x>&')}&Version=2010-05-08`);
    expect(text).toContain('Could not find operation &lt;x&gt;&amp; for version');
  });
});

describe('request decoding', () => {
  it('reads + in a form body as a space, as other clients than the SDK send it', async () => {
    await post(
      'Action=CreateUser&Version=2010-05-08&UserName=plus&Tags.member.1.Key=full+name&Tags.member.1.Value=Jane+Q+Doe',
    );
    const { text } = await post('Action=ListUserTags&Version=2010-05-08&UserName=plus');
    expect(text).toContain(
      '<Tags><member><Key>full name</Key><Value>Jane Q Doe</Value></member></Tags>',
    );
  });

  it('reads %20 and other percent-escapes, as the SDK sends them', async () => {
    await post('Action=CreateUser&Version=2010-05-08&UserName=pct&Path=%2Fa%2Fb%2F');
    const { text } = await post('Action=GetUser&Version=2010-05-08&UserName=pct');
    expect(text).toContain(`<Path>/a/b/</Path><UserName>pct</UserName>`);
  });

  it('accepts GET with the members in the query string', async () => {
    await post('Action=CreateUser&Version=2010-05-08&UserName=by-get');
    const res = await fetch(`${emu.url}/?Action=GetUser&Version=2010-05-08&UserName=by-get`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toMatch(new RegExp(`^<GetUserResponse xmlns="${IAM_NS}"><GetUserResult><User>`));
    expect(text).toContain('<UserName>by-get</UserName>');
  });

  it('reads an empty list member (the SDK sends Tags=) as no tags', async () => {
    const { res, text } = await post('Action=CreateUser&Version=2010-05-08&UserName=no-tags&Tags=');
    expect(res.status).toBe(200);
    expect(text).not.toContain('<Tags>');
  });
});

describe('STS', () => {
  it('answers STS actions in the STS namespace', async () => {
    const { res, text } = await post('Action=GetCallerIdentity&Version=2011-06-15');
    expect(res.status).toBe(200);
    expect(text).toMatch(
      new RegExp(`^<GetCallerIdentityResponse xmlns="${STS_NS}"><GetCallerIdentityResult>`),
    );
    // Unsigned, the caller is the account's root user.
    expect(text).toContain('<Arn>arn:aws:iam::123456789012:root</Arn>');
    expect(text).toContain('<Account>123456789012</Account>');
  });

  it('puts STS errors in the STS namespace', async () => {
    const { res, text } = await post('Action=Foo&Version=2011-06-15');
    expect(res.status).toBe(400);
    expect(text).toMatch(new RegExp(`^<ErrorResponse xmlns="${STS_NS}">`));
    expect(text).toContain('Could not find operation Foo for version 2011-06-15');
  });
});
