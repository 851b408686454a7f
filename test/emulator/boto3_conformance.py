#!/usr/bin/env python3
"""An independent client's view of the IAM/STS emulator: boto3 (botocore's own Query-protocol
serializer and parser, not the JS SDK) runs a user's MFA enrolment end to end, and reads the
account back the way an admin console does (get_account_authorization_details).

Usage: python3 test/emulator/boto3_conformance.py http://127.0.0.1:4566
Needs boto3 and any credentials (AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y). Prints
"boto3 conformance: N checks passed" and exits 0, or lists the failures and exits 1.
Names carry a random suffix, so it can run against an emulator that already holds data.
"""

import base64
import csv
import hashlib
import hmac
import io
import json
import struct
import sys
import time
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

passed = 0
failures = []


def check(name, condition, detail=""):
    global passed
    if condition:
        passed += 1
    else:
        failures.append(f"{name}{': ' + str(detail) if detail else ''}")


def expect_error(name, call, code, status):
    try:
        call()
    except ClientError as e:
        got = (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
        check(name, got == (code, status), f"got {got}, want {(code, status)}")
        return e
    check(name, False, "the call succeeded")
    return None


# ---- RFC 6238 TOTP (HMAC-SHA-1, 6 digits, 30 s), written out rather than taken from pyotp --
def totp(base32_seed, step):
    key = base64.b32decode(base32_seed + "=" * (-len(base32_seed) % 8), casefold=True)
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    binary = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(binary % 1_000_000).zfill(6)


def main(url):
    config = Config(retries={"max_attempts": 1, "mode": "standard"})
    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1", config=config)
    sts = boto3.client("sts", endpoint_url=url, region_name="us-east-1", config=config)

    run = uuid.uuid4().hex[:8]
    path = f"/boto3-{run}/"
    user = f"boto3-user-{run}"
    group = f"boto3-group-{run}"

    # ---- Caller identity --------------------------------------------------------------------
    identity = sts.get_caller_identity()
    account = identity["Account"]
    check("get_caller_identity Account is 12 digits", len(account) == 12 and account.isdigit(), account)
    check("get_caller_identity Arn", identity["Arn"] == f"arn:aws:iam::{account}:root", identity["Arn"])

    # ---- Users ----------------------------------------------------------------------------
    created = iam.create_user(UserName=user, Path=path)["User"]
    check("create_user UserName", created["UserName"] == user, created)
    check("create_user Path", created["Path"] == path, created["Path"])
    check("create_user Arn", created["Arn"] == f"arn:aws:iam::{account}:user{path}{user}", created["Arn"])
    check("create_user UserId", created["UserId"].startswith("AIDA") and len(created["UserId"]) == 21)
    check("create_user CreateDate is a datetime with a zone", created["CreateDate"].tzinfo is not None)

    got = iam.get_user(UserName=user)["User"]
    check("get_user round-trips the user", got["UserId"] == created["UserId"] and got["Path"] == path)

    others = [f"boto3-{run}-{i}" for i in range(5)]
    for name in others:
        iam.create_user(UserName=name, Path=path)
    paginator = iam.get_paginator("list_users")
    pages = list(paginator.paginate(PathPrefix=path, PaginationConfig={"PageSize": 2}))
    listed = [u["UserName"] for page in pages for u in page["Users"]]
    check("list_users paginator sees every user once", sorted(listed) == sorted(others + [user]), listed)
    check("list_users pages by MaxItems", len(pages) == 3, len(pages))
    check("list_users truncated pages carry a Marker", all("Marker" in p for p in pages[:-1]))
    check("list_users last page has no Marker", "Marker" not in pages[-1] and not pages[-1]["IsTruncated"])
    check("list_users omits Tags", all("Tags" not in u for page in pages for u in page["Users"]))

    # ---- Tags -----------------------------------------------------------------------------
    iam.tag_user(UserName=user, Tags=[{"Key": "team", "Value": "web"}, {"Key": "cost center", "Value": "42"}])
    tags = iam.list_user_tags(UserName=user)["Tags"]
    check(
        "list_user_tags",
        sorted((t["Key"], t["Value"]) for t in tags) == [("cost center", "42"), ("team", "web")],
        tags,
    )
    check("get_user shows tags", len(iam.get_user(UserName=user)["User"].get("Tags", [])) == 2)

    # ---- Groups ---------------------------------------------------------------------------
    g = iam.create_group(GroupName=group)["Group"]
    check("create_group Arn", g["Arn"] == f"arn:aws:iam::{account}:group/{group}", g["Arn"])
    iam.add_user_to_group(GroupName=group, UserName=user)
    iam.add_user_to_group(GroupName=group, UserName=user)  # idempotent
    got_group = iam.get_group(GroupName=group)
    check("get_group Group", got_group["Group"]["GroupName"] == group)
    check("get_group Users", [u["UserName"] for u in got_group["Users"]] == [user], got_group["Users"])

    # ---- Authorization details --------------------------------------------------------------
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "NotAction": "iam:ListMFADevices", "Resource": "*"}],
    }
    iam.put_group_policy(GroupName=group, PolicyName="deny-all", PolicyDocument=json.dumps(document))
    details = iam.get_paginator("get_account_authorization_details")
    pages = list(details.paginate(Filter=["User"], PaginationConfig={"PageSize": 2}))
    ours = [u for page in pages for u in page["UserDetailList"] if u["Path"] == path]
    check(
        "get_account_authorization_details paginator sees every user once",
        sorted(u["UserName"] for u in ours) == sorted(others + [user]),
        [u["UserName"] for u in ours],
    )
    check("get_account_authorization_details truncated pages carry a Marker", all("Marker" in p for p in pages[:-1]))
    check(
        "get_account_authorization_details last page has no Marker",
        "Marker" not in pages[-1] and not pages[-1]["IsTruncated"],
    )
    check(
        "get_account_authorization_details Filter=User leaves the other lists empty",
        all(p["GroupDetailList"] == [] and p["RoleDetailList"] == [] and p["Policies"] == [] for p in pages),
    )
    detail = next((u for u in ours if u["UserName"] == user), {})
    check("a UserDetail has the user's groups", detail.get("GroupList") == [group], detail)
    check(
        "a UserDetail has the user's tags",
        sorted((t["Key"], t["Value"]) for t in detail.get("Tags", [])) == [("cost center", "42"), ("team", "web")],
        detail,
    )
    check("a UserDetail has its ARN and id", detail.get("Arn") == created["Arn"] and detail.get("UserId") == created["UserId"])
    check("a UserDetail has no PasswordLastUsed", "PasswordLastUsed" not in detail, detail)
    groups_page = iam.get_account_authorization_details(Filter=["Group"], MaxItems=1000)
    mine = [g for g in groups_page["GroupDetailList"] if g["GroupName"] == group]
    check("get_account_authorization_details Filter=Group has the group", len(mine) == 1, groups_page["GroupDetailList"])
    check("Filter=Group leaves the users out", groups_page["UserDetailList"] == [])
    policies = mine[0].get("GroupPolicyList", []) if mine else []
    # botocore URL-decodes and parses IAM's policy documents itself.
    check(
        "a GroupDetail's inline policy arrives decoded",
        [(p["PolicyName"], p["PolicyDocument"]) for p in policies] == [("deny-all", document)],
        policies,
    )
    expect_error(
        "get_account_authorization_details with an unknown Filter is ValidationError 400",
        lambda: iam.get_account_authorization_details(Filter=["Users"]),
        "ValidationError",
        400,
    )

    # ---- Virtual MFA ------------------------------------------------------------------------
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user, Path="/")["VirtualMFADevice"]
    serial = device["SerialNumber"]
    check("create_virtual_mfa_device serial is the ARN", serial == f"arn:aws:iam::{account}:mfa/{user}", serial)
    seed_bytes = device["Base32StringSeed"]
    check("Base32StringSeed is bytes (base64 decoded by botocore)", isinstance(seed_bytes, bytes))
    seed = seed_bytes.decode("ascii")
    check("Base32StringSeed is 64 base32 characters", len(seed) == 64 and seed.isalnum() and seed.isupper(), seed)
    png = device["QRCodePNG"]
    check("QRCodePNG is a PNG", isinstance(png, bytes) and png.startswith(b"\x89PNG\r\n\x1a\n"))

    expect_error(
        "enable_mfa_device with wrong codes is InvalidAuthenticationCode 403",
        lambda: iam.enable_mfa_device(
            UserName=user, SerialNumber=serial, AuthenticationCode1="000000", AuthenticationCode2="000001"
        ),
        "InvalidAuthenticationCode",
        403,
    )
    step = int(time.time()) // 30
    iam.enable_mfa_device(
        UserName=user,
        SerialNumber=serial,
        AuthenticationCode1=totp(seed, step - 1),
        AuthenticationCode2=totp(seed, step),
    )
    devices = iam.list_mfa_devices(UserName=user)["MFADevices"]
    check("list_mfa_devices shows the enabled device", [d["SerialNumber"] for d in devices] == [serial], devices)
    check("list_mfa_devices EnableDate", devices and devices[0]["EnableDate"].tzinfo is not None)

    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    mine = [d for d in assigned if d["SerialNumber"] == serial]
    check("list_virtual_mfa_devices Assigned includes it", len(mine) == 1, assigned)
    check("an assigned device names its user", mine and mine[0]["User"]["UserName"] == user)
    check("list_virtual_mfa_devices never returns the seed", all("Base32StringSeed" not in d for d in assigned))

    # ---- Errors ---------------------------------------------------------------------------
    expect_error("delete_user with an MFA device is DeleteConflict 409", lambda: iam.delete_user(UserName=user), "DeleteConflict", 409)
    missing = expect_error(
        "get_user of a missing user is NoSuchEntity 404",
        lambda: iam.get_user(UserName=f"missing-{run}"),
        "NoSuchEntity",
        404,
    )
    if missing is not None:
        check(
            "NoSuchEntity message",
            missing.response["Error"]["Message"] == f"The user with name missing-{run} cannot be found.",
            missing.response["Error"],
        )
        check("errors carry a RequestId", bool(missing.response["ResponseMetadata"].get("RequestId")))
    expect_error(
        "create_user of an existing name (other case) is EntityAlreadyExists 409",
        lambda: iam.create_user(UserName=user.upper()),
        "EntityAlreadyExists",
        409,
    )
    expect_error(
        "a too-long user name is ValidationError 400",
        lambda: iam.create_user(UserName="x" * 65),
        "ValidationError",
        400,
    )

    # ---- Access keys ------------------------------------------------------------------------
    key = iam.create_access_key(UserName=user)["AccessKey"]
    check("create_access_key is an active AKIA key", key["AccessKeyId"].startswith("AKIA") and key["Status"] == "Active", key)
    check("create_access_key returns a secret once", len(key["SecretAccessKey"]) == 40)
    as_user = boto3.client(
        "sts",
        endpoint_url=url,
        region_name="us-east-1",
        config=config,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    signed = as_user.get_caller_identity()["Arn"]
    check("a new key signs as its user", signed == created["Arn"], signed)
    second = iam.create_access_key(UserName=user)["AccessKey"]
    expect_error("a third access key is LimitExceeded 409", lambda: iam.create_access_key(UserName=user), "LimitExceeded", 409)
    iam.update_access_key(UserName=user, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    listed_keys = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    check(
        "list_access_keys shows both keys and their status, without secrets",
        [(k["AccessKeyId"], k["Status"]) for k in listed_keys]
        == [(key["AccessKeyId"], "Inactive"), (second["AccessKeyId"], "Active")]
        and all("SecretAccessKey" not in k for k in listed_keys),
        listed_keys,
    )
    expect_error("an inactive key is refused with InvalidClientTokenId 403", as_user.get_caller_identity, "InvalidClientTokenId", 403)
    iam.delete_access_key(UserName=user, AccessKeyId=second["AccessKeyId"])
    expect_error(
        "delete_access_key of a deleted key is NoSuchEntity 404",
        lambda: iam.delete_access_key(UserName=user, AccessKeyId=second["AccessKeyId"]),
        "NoSuchEntity",
        404,
    )

    # ---- Roles and AssumeRole with MFA -------------------------------------------------------
    role_name = f"boto3-role-{run}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": created["Arn"]},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust), MaxSessionDuration=7200)["Role"]
    check("create_role RoleId is an AROA id", role["RoleId"].startswith("AROA") and len(role["RoleId"]) == 21, role)
    check("create_role Arn", role["Arn"] == f"arn:aws:iam::{account}:role/{role_name}", role["Arn"])
    got_role = iam.get_role(RoleName=role_name)["Role"]
    check("get_role MaxSessionDuration", got_role.get("MaxSessionDuration") == 7200, got_role)
    check("get_role trust policy decodes to the document sent", got_role["AssumeRolePolicyDocument"] == trust, got_role)
    signer = iam.create_access_key(UserName=user)["AccessKey"]
    as_signer = boto3.client(
        "sts",
        endpoint_url=url,
        region_name="us-east-1",
        config=config,
        aws_access_key_id=signer["AccessKeyId"],
        aws_secret_access_key=signer["SecretAccessKey"],
    )
    no_mfa = expect_error(
        "assume_role of a role requiring MFA, without a code, is AccessDenied 403",
        lambda: as_signer.assume_role(RoleArn=role["Arn"], RoleSessionName="boto3"),
        "AccessDenied",
        403,
    )
    if no_mfa is not None:
        want = f"User: {created['Arn']} is not authorized to perform: sts:AssumeRole on resource: {role['Arn']}"
        check("the AccessDenied message names caller and role", no_mfa.response["Error"]["Message"] == want, no_mfa.response["Error"])
    # The device's last accepted step is the one it was enabled at; a later code is fresh.
    code_step = max(int(time.time()) // 30, step + 1)
    assumed = as_signer.assume_role(
        RoleArn=role["Arn"], RoleSessionName="boto3", SerialNumber=serial, TokenCode=totp(seed, code_step)
    )
    check(
        "assume_role with the device's code",
        assumed["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{account}:assumed-role/{role_name}/boto3",
        assumed["AssumedRoleUser"],
    )
    iam.delete_access_key(UserName=user, AccessKeyId=signer["AccessKeyId"])
    iam.delete_role(RoleName=role_name)
    expect_error("get_role of a deleted role is NoSuchEntity 404", lambda: iam.get_role(RoleName=role_name), "NoSuchEntity", 404)

    # ---- Credential report ------------------------------------------------------------------
    state = iam.generate_credential_report()["State"]
    check("generate_credential_report State", state in ("STARTED", "INPROGRESS", "COMPLETE"), state)
    report = None
    for _ in range(100):
        try:
            report = iam.get_credential_report()
            break
        except ClientError as e:
            if e.response["Error"]["Code"] != "ReportInProgress":
                raise
            time.sleep(0.1)
    check("get_credential_report completes", report is not None)
    if report is not None:
        check("ReportFormat", report["ReportFormat"] == "text/csv", report["ReportFormat"])
        rows = list(csv.DictReader(io.StringIO(report["Content"].decode("utf-8"))))
        check("the report starts with the root row", rows and rows[0]["user"] == "<root_account>")
        row = next((r for r in rows if r["user"] == user), None)
        if report["GeneratedTime"] < created["CreateDate"]:
            # A report younger than 4 hours is reused (a rerun against a long-lived emulator).
            check("a reused report predates the user", row is None and state == "COMPLETE", state)
        else:
            check("the report has the user", row is not None)
        if row is not None:
            check("the user's mfa_active is true", row["mfa_active"] == "true", row["mfa_active"])
            check("the user's arn", row["arn"] == created["Arn"], row["arn"])
            check("the user has no password", row["password_enabled"] == "false", row["password_enabled"])
            check("the user's inactive key is access_key_1", row["access_key_1_active"] == "false", row["access_key_1_active"])
            check("the deleted key leaves access_key_2 empty", row["access_key_2_last_rotated"] == "N/A", row["access_key_2_last_rotated"])

    # ---- Clean up (also exercises the way back) ---------------------------------------------
    iam.deactivate_mfa_device(UserName=user, SerialNumber=serial)
    check("deactivate_mfa_device leaves no devices", iam.list_mfa_devices(UserName=user)["MFADevices"] == [])
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    iam.delete_group_policy(GroupName=group, PolicyName="deny-all")
    iam.remove_user_from_group(GroupName=group, UserName=user)
    iam.delete_group(GroupName=group)
    for name in others + [user]:
        iam.delete_user(UserName=name)
    remaining = iam.list_users(PathPrefix=path)["Users"]
    check("every user is deleted", remaining == [], remaining)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        main(sys.argv[1])
    except Exception as error:  # an unexpected error is a failure too, with its context
        failures.append(f"unexpected {type(error).__name__}: {error}")
    if failures:
        print(f"boto3 conformance: {len(failures)} failed, {passed} passed", file=sys.stderr)
        for failure in failures:
            print(f"  FAIL {failure}", file=sys.stderr)
        sys.exit(1)
    print(f"boto3 conformance: {passed} checks passed")
